package io.etcdbackup.cli;

import io.etcdbackup.core.etcd.Alarm;
import io.etcdbackup.core.etcd.ClusterInspector;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.ConsistencyReport;
import io.etcdbackup.core.etcd.EndpointReport;
import io.etcdbackup.core.etcd.EndpointStatus;
import io.etcdbackup.core.etcd.HealthReport;
import io.etcdbackup.core.etcd.MemberInfo;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "health", mixinStandardHelpOptions = true,
    description = {"Check every member: health (a linearizable read) and status, alarms, quorum, and with "
        + "--consistency the HashKV of every member at one revision.",
        "Exit code 0 healthy, 3 degraded (quorum held; a member down, alarmed or inconsistent), "
        + "4 quorum lost or no endpoint answered."})
final class HealthCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin OutputOptions output;
  @Spec CommandSpec spec;

  @Option(names = "--consistency", description = "Compare HashKV of every member at one revision.")
  boolean consistency;

  @Option(names = "--endpoints-only",
      description = "Probe only --endpoints, not every member's client URLs from the member list.")
  boolean endpointsOnly;

  @Override
  public Integer call() {
    HealthReport r;
    try (EtcdClients clients = connection.clients()) {
      r = new ClusterInspector(clients).health(new ClusterInspector.HealthOptions(!endpointsOnly, consistency));
    }
    int code = switch (r.verdict()) {
      case HEALTHY -> ExitCodes.OK;
      case DEGRADED -> ExitCodes.DEGRADED;
      case QUORUM_LOST -> ExitCodes.UNAVAILABLE;
    };
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Formats.JSON.writeValueAsString(json(r, code)));
    } else {
      table(r, out);
    }
    out.flush();
    if (code != ExitCodes.OK) {
      // The report is the output (stdout, what a script parses); the verdict is also a failure, and
      // failures go to stderr like every other command's, where a CronJob's log collector and
      // `2>>errors.log` look (issue 13, defect 6).
      PrintWriter err = spec.commandLine().getErr();
      err.println("etcd-backup: cluster is " + (code == ExitCodes.DEGRADED ? "degraded" : "unavailable") + ": "
          + (r.problems().isEmpty() ? "see the report" : String.join("; ", r.problems())));
      err.flush();
    }
    return code;
  }

  private static void table(HealthReport r, PrintWriter out) {
    Map<Long, MemberInfo> byId = r.members().stream().collect(Collectors.toMap(MemberInfo::id, Function.identity()));
    Table t = new Table("ENDPOINT", "HEALTH", "TOOK", "ID", "NAME", "VERSION", "DB SIZE", "IN USE", "LEADER",
        "LEARNER", "RAFT TERM", "RAFT INDEX", "APPLIED", "ERRORS");
    for (EndpointReport e : r.endpoints()) {
      EndpointStatus s = e.status().orElse(null);
      String errors = e.error().orElse(s == null ? "" : String.join("; ", s.errors()));
      if (s == null) {
        t.row(e.endpoint(), e.healthy(), Formats.duration(e.took()), "", "", "", "", "", "", "", "", "", "", errors);
      } else {
        MemberInfo m = byId.get(s.memberId());
        t.row(e.endpoint(), e.healthy(), Formats.duration(e.took()), Formats.hex(s.memberId()),
            m == null ? "" : m.name(), s.version(), Formats.bytes(s.dbSize()), Formats.bytes(s.dbSizeInUse()),
            s.isLeader(), s.learner(), s.raftTerm(), s.raftIndex(), s.raftAppliedIndex(), errors);
      }
    }
    t.print(out);
    if (!r.alarms().isEmpty()) {
      Table a = new Table("MEMBER", "ALARM");
      for (Alarm al : r.alarms()) {
        MemberInfo m = byId.get(al.memberId());
        a.row(m == null ? al.memberIdHex() : m.label(), al.type());
      }
      a.print(out);
    }
    r.consistency().ifPresent(c -> {
      Table h = new Table("ENDPOINT", "ID", "REVISION", "COMPACT REVISION", "HASH", "ERROR");
      for (ConsistencyReport.MemberHash mh : c.hashes()) {
        h.row(mh.endpoint(), Formats.hex(mh.memberId()), c.revision(), mh.compactRevision(),
            mh.hash().map(String::valueOf).orElse(""), mh.error().orElse(""));
      }
      h.print(out);
    });
    if (r.votingMembers() > 0) {
      out.printf("quorum: %d of %d voting members healthy, %d needed%n", r.healthyVotingMembers(), r.votingMembers(),
          r.quorum());
    }
    out.println("cluster is " + switch (r.verdict()) {
      case HEALTHY -> "healthy";
      case DEGRADED -> "DEGRADED";
      case QUORUM_LOST -> "UNAVAILABLE (quorum lost or no endpoint answered)";
    });
    r.problems().forEach(p -> out.println("  - " + p));
  }

  private static ObjectNode json(HealthReport r, int code) {
    ObjectNode root = Formats.JSON.createObjectNode();
    root.put("verdict", r.verdict().name().toLowerCase(java.util.Locale.ROOT));
    root.put("exitCode", code);
    ObjectNode q = root.putObject("quorum");
    q.put("votingMembers", r.votingMembers());
    q.put("healthyVotingMembers", r.healthyVotingMembers());
    q.put("needed", r.quorum());
    ArrayNode eps = root.putArray("endpoints");
    for (EndpointReport e : r.endpoints()) {
      ObjectNode n = eps.addObject();
      n.put("endpoint", e.endpoint());
      n.put("health", e.healthy());
      n.put("took", Formats.duration(e.took()));
      n.put("tookSeconds", e.took().toNanos() / 1e9);
      if (e.error().isPresent()) {
        n.put("error", e.error().get());
      } else {
        n.putNull("error");
      }
      e.status().ifPresent(s -> {
        ObjectNode st = n.putObject("status");
        st.put("memberId", Formats.hex(s.memberId()));
        st.put("version", s.version());
        st.put("dbSize", s.dbSize());
        st.put("dbSizeInUse", s.dbSizeInUse());
        st.put("leader", Formats.hex(s.leader()));
        st.put("isLeader", s.isLeader());
        st.put("isLearner", s.learner());
        st.put("raftTerm", s.raftTerm());
        st.put("raftIndex", s.raftIndex());
        st.put("raftAppliedIndex", s.raftAppliedIndex());
        st.put("revision", s.revision());
        s.errors().forEach(st.putArray("errors")::add);
      });
    }
    ArrayNode members = root.putArray("members");
    for (MemberInfo m : r.members()) {
      ObjectNode n = members.addObject();
      n.put("id", m.idHex());
      n.put("name", m.name());
      n.put("isLearner", m.learner());
      m.clientUrls().forEach(n.putArray("clientURLs")::add);
    }
    ArrayNode alarms = root.putArray("alarms");
    for (Alarm a : r.alarms()) {
      alarms.addObject().put("memberId", a.memberIdHex()).put("alarm", a.type());
    }
    r.consistency().ifPresent(c -> {
      ObjectNode cn = root.putObject("consistency");
      cn.put("revision", c.revision());
      cn.put("consistent", c.consistent());
      ArrayNode hs = cn.putArray("members");
      for (ConsistencyReport.MemberHash mh : c.hashes()) {
        ObjectNode h = hs.addObject();
        h.put("endpoint", mh.endpoint());
        h.put("memberId", Formats.hex(mh.memberId()));
        mh.hash().ifPresent(v -> h.put("hash", v));
        h.put("compactRevision", mh.compactRevision());
        mh.error().ifPresent(v -> h.put("error", v));
      }
    });
    r.problems().forEach(root.putArray("problems")::add);
    return root;
  }
}
