package io.etcdbackup.core.stream;

import java.security.AlgorithmParameters;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.CipherSpi;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.ShortBufferException;

/**
 * One cipher of another provider (Conscrypt's ChaCha20-Poly1305) through its array methods only.
 *
 * <p>Jagged seals and opens each 64 KiB age chunk with {@code Cipher.doFinal(ByteBuffer,
 * ByteBuffer)} on heap buffers, and Conscrypt's ByteBuffer path copies a heap buffer into a new
 * direct buffer, input and output, on every call ({@code OpenSSLAeadCipher.engineDoFinal}, Conscrypt
 * 2.5.2): 7,400 of them for the 240 MB object of a 1 GiB db, freed only by a garbage collection.
 * Direct memory then climbed to its 64 MiB cap ({@code -XX:MaxDirectMemorySize}, bin/etcd-backup),
 * counted in the process RSS, and the JVM ran full collections ({@code System.gc()}) to free it. A
 * {@link CipherSpi} that leaves the ByteBuffer methods to the JDK's defaults gets heap buffers'
 * arrays handed to its array methods, which Conscrypt runs in place.
 */
final class ArrayCipherProvider extends Provider {
  private static final long serialVersionUID = 1L;

  /** {@code algorithm} of {@code delegate}, under the same name. */
  ArrayCipherProvider(Provider delegate, String algorithm) {
    super("EtcdBackup" + delegate.getName() + "Arrays", "1.0", delegate.getName() + "'s " + algorithm
        + " through its array methods");
    putService(new Service(this, "Cipher", algorithm, ArrayCipher.class.getName(), null, null) {
      @Override
      public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
        try {
          return new ArrayCipher(Cipher.getInstance(algorithm, delegate));
        } catch (NoSuchPaddingException e) {
          throw new NoSuchAlgorithmException(algorithm + " of " + delegate.getName() + ": " + e.getMessage(), e);
        }
      }
    });
  }

  /** Every call to the delegate's {@link Cipher}; the ByteBuffer methods are CipherSpi's own. */
  static final class ArrayCipher extends CipherSpi {
    private final Cipher delegate;

    ArrayCipher(Cipher delegate) {
      this.delegate = delegate;
    }

    @Override
    protected void engineSetMode(String mode) throws NoSuchAlgorithmException {
      throw new NoSuchAlgorithmException(delegate.getAlgorithm() + " has no modes to set");
    }

    @Override
    protected void engineSetPadding(String padding) throws NoSuchPaddingException {
      throw new NoSuchPaddingException(delegate.getAlgorithm() + " has no paddings to set");
    }

    @Override
    protected int engineGetBlockSize() {
      return delegate.getBlockSize();
    }

    @Override
    protected int engineGetOutputSize(int inputLen) {
      return delegate.getOutputSize(inputLen);
    }

    @Override
    protected byte[] engineGetIV() {
      return delegate.getIV();
    }

    @Override
    protected AlgorithmParameters engineGetParameters() {
      return delegate.getParameters();
    }

    @Override
    protected void engineInit(int opmode, Key key, SecureRandom random) throws InvalidKeyException {
      delegate.init(opmode, key, random);
    }

    @Override
    protected void engineInit(int opmode, Key key, AlgorithmParameterSpec params, SecureRandom random)
        throws InvalidKeyException, InvalidAlgorithmParameterException {
      delegate.init(opmode, key, params, random);
    }

    @Override
    protected void engineInit(int opmode, Key key, AlgorithmParameters params, SecureRandom random)
        throws InvalidKeyException, InvalidAlgorithmParameterException {
      delegate.init(opmode, key, params, random);
    }

    @Override
    protected void engineUpdateAAD(byte[] src, int offset, int len) {
      delegate.updateAAD(src, offset, len);
    }

    @Override
    protected byte[] engineUpdate(byte[] input, int inputOffset, int inputLen) {
      return delegate.update(input, inputOffset, inputLen);
    }

    @Override
    protected int engineUpdate(byte[] input, int inputOffset, int inputLen, byte[] output, int outputOffset)
        throws ShortBufferException {
      return delegate.update(input, inputOffset, inputLen, output, outputOffset);
    }

    @Override
    protected byte[] engineDoFinal(byte[] input, int inputOffset, int inputLen)
        throws IllegalBlockSizeException, BadPaddingException {
      return delegate.doFinal(input, inputOffset, inputLen);
    }

    @Override
    protected int engineDoFinal(byte[] input, int inputOffset, int inputLen, byte[] output, int outputOffset)
        throws ShortBufferException, IllegalBlockSizeException, BadPaddingException {
      return delegate.doFinal(input, inputOffset, inputLen, output, outputOffset);
    }
  }
}
