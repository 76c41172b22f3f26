package io.etcdbackup.cli;

import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.RetentionPlan;
import io.etcdbackup.core.retention.Rule;
import io.etcdbackup.core.store.Manifest;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** How {@code prune} and {@code snapshot} show a retention plan and what was done with it. */
final class PlanOutput {
  private PlanOutput() {}

  /** One backup's decision as a word: keep, delete, locked (the plan deletes it, its lock holds), refused. */
  static String decision(RetentionPlan.Entry e, PruneResult r) {
    if (e.keep()) {
      return "keep";
    }
    if (r.locked().contains(e.manifest())) {
      return "locked";
    }
    if (r.failed().stream().anyMatch(f -> f.whole() && f.manifest().equals(e.manifest()))) {
      return "refused";
    }
    return "delete";
  }

  /** The rules that keep it, or for a backup the size cap deletes, the rules it overruled. */
  static String rules(RetentionPlan.Entry e) {
    String names = e.rules().stream().map(Rule::label).collect(Collectors.joining(","));
    if (e.overruledBySize()) {
      return "over max-total-size (" + names + ")";
    }
    return names.isEmpty() ? "-" : names;
  }

  /** The plan as a table: id, time, revision, size, decision, rules; newest first. */
  static void table(PruneResult r, PrintWriter out) {
    Table t = new Table("ID", "STARTED", "REVISION", "STORED", "DECISION", "RULES");
    for (RetentionPlan.Entry e : r.plan().entries()) {
      Manifest m = e.manifest();
      t.row(m.id(), m.startedAt(), m.revision(), Formats.bytes(m.storedSize()), decision(e, r), rules(e));
    }
    t.print(out);
  }

  /** A few lines: what was (or would be) deleted, what stays, and why not all went. */
  static void summary(PruneResult r, PrintWriter out) {
    String verb = r.dryRun() ? "would delete" : "deleted";
    out.println("retention " + r.cluster() + ": " + r.plan().keepCount() + " kept, " + verb + " "
        + r.deleted().size() + " (" + Formats.bytes(r.bytesDeleted()) + ")"
        + (r.locked().isEmpty() ? "" : ", " + r.locked().size() + " locked (object lock not expired)")
        + (r.failed().isEmpty() ? "" : ", " + r.failed().size() + " refused by the store"));
    for (String note : r.plan().notes()) {
      out.println("note: " + note);
    }
    for (PruneResult.Failure f : r.failed()) {
      out.println("refused: " + f.key() + ": " + f.code() + (f.message().isEmpty() ? "" : " " + f.message())
          + (f.whole() ? " (the backup remains whole)" : " (its manifest is gone; the next prune removes the data)"));
    }
    if (!r.leftovers().isEmpty() || !r.uploads().isEmpty()) {
      out.println((r.dryRun() ? "would remove " : "removed ") + r.leftovers().size()
          + " leftover(s) of interrupted runs and " + r.uploads().size() + " unfinished upload(s)");
    }
    if (!r.unknown().isEmpty()) {
      out.println("left alone: " + r.unknown().size() + " object(s) that are no part of a backup (first: "
          + r.unknown().get(0).key() + ")");
    }
  }

  /** The whole result as JSON. */
  static ObjectNode json(PruneResult r) {
    ObjectNode root = Formats.JSON.createObjectNode();
    root.put("cluster", r.cluster());
    root.put("dryRun", r.dryRun());
    root.put("kept", r.plan().keepCount());
    root.put("deleted", r.deleted().size());
    root.put("bytesDeleted", r.bytesDeleted());
    root.put("locked", r.locked().size());
    root.put("refused", r.failed().size());
    r.plan().notes().forEach(root.putArray("notes")::add);
    ArrayNode plan = root.putArray("plan");
    for (RetentionPlan.Entry e : r.plan().entries()) {
      Manifest m = e.manifest();
      ObjectNode n = plan.addObject();
      n.put("id", m.id());
      n.put("startedAt", m.startedAt().toString());
      n.put("revision", m.revision());
      n.put("storedSize", m.storedSize());
      n.put("decision", decision(e, r));
      ArrayNode rules = n.putArray("rules");
      e.rules().forEach(x -> rules.add(x.label()));
      n.put("overruledBySize", e.overruledBySize());
      Instant until = m.retention() == null ? null : m.retention().retainUntil();
      if (until != null) {
        n.put("retainUntil", until.toString());
      }
    }
    ArrayNode failed = root.putArray("failures");
    for (PruneResult.Failure f : r.failed()) {
      ObjectNode n = failed.addObject();
      n.put("id", f.manifest().id());
      n.put("key", f.key());
      n.put("code", f.code());
      n.put("message", f.message());
      n.put("backupRemains", f.whole());
    }
    ArrayNode leftovers = root.putArray("leftovers");
    r.leftovers().forEach(l -> leftovers.add(l.id()));
    ArrayNode uploads = root.putArray("unfinishedUploads");
    r.uploads().forEach(u -> uploads.add(u.key()));
    ArrayNode unknown = root.putArray("unknownObjects");
    Set<String> seen = new HashSet<>();
    r.unknown().forEach(o -> {
      if (seen.add(o.key())) {
        unknown.add(o.key());
      }
    });
    return root;
  }
}
