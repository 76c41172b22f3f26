package io.etcdbackup.cli;

import io.etcdbackup.core.etcd.ClusterInspector;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.MemberInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "members", mixinStandardHelpOptions = true, description = "List the cluster's members, like etcdctl member list -w table.")
final class MembersCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin OutputOptions output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    List<MemberInfo> members;
    try (EtcdClients clients = connection.clients()) {
      members = new ClusterInspector(clients).members();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ArrayNode arr = Formats.JSON.createArrayNode();
      for (MemberInfo m : members) {
        ObjectNode n = arr.addObject();
        n.put("id", m.idHex());
        n.put("name", m.name());
        n.put("status", m.started() ? "started" : "unstarted");
        m.peerUrls().forEach(n.putArray("peerURLs")::add);
        m.clientUrls().forEach(n.putArray("clientURLs")::add);
        n.put("isLearner", m.learner());
      }
      ObjectNode root = Formats.JSON.createObjectNode();
      root.set("members", arr);
      out.println(Formats.JSON.writeValueAsString(root));
    } else {
      Table t = new Table("ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER");
      for (MemberInfo m : members) {
        t.row(m.idHex(), m.started() ? "started" : "unstarted", m.name(), String.join(",", m.peerUrls()),
            String.join(",", m.clientUrls()), m.learner());
      }
      t.print(out);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
