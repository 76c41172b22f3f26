package io.etcdbackup.testing;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs test code in a fresh class loader over this JVM's class path that cannot load Testcontainers
 * (nor docker-java): proof that a harness path never touches it. Anything there that reaches for
 * it fails with {@link NoClassDefFoundError}.
 */
public final class WithoutTestcontainers extends URLClassLoader {
  private static final String[] HIDDEN = {"org.testcontainers.", "com.github.dockerjava."};

  private WithoutTestcontainers() {
    super(classPath(), ClassLoader.getPlatformClassLoader());
  }

  /** Runs {@code className}'s static no-argument method {@code method} there; its failure is rethrown. */
  public static void run(String className, String method) throws Throwable {
    try (WithoutTestcontainers loader = new WithoutTestcontainers()) {
      Class<?> c = loader.loadClass(className);
      if (c.getClassLoader() != loader) {
        throw new IllegalStateException(className + " was not loaded afresh");
      }
      var m = c.getDeclaredMethod(method);
      m.setAccessible(true); // test classes are package-private, and this is another runtime package
      m.invoke(null);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Whether the loader hides {@code className} (for the test that it hides what it should). */
  public static boolean hides(String className) throws Exception {
    try (WithoutTestcontainers loader = new WithoutTestcontainers()) {
      loader.loadClass(className);
      return false;
    } catch (ClassNotFoundException e) {
      return true;
    }
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (Arrays.stream(HIDDEN).anyMatch(name::startsWith)) {
      throw new ClassNotFoundException(name + " is hidden: this code must run without Testcontainers");
    }
    return super.loadClass(name, resolve);
  }

  private static URL[] classPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(s -> !s.isEmpty())
        .map(s -> {
          try {
            return Path.of(s).toUri().toURL();
          } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
          }
        })
        .toArray(URL[]::new);
  }
}
