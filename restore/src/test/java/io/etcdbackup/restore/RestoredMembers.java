package io.etcdbackup.restore;

import io.etcdbackup.testing.RestoredEtcd;
import java.util.List;

/** Restored members as the shared launcher takes them: a name and the flags the restore printed. */
final class RestoredMembers {
  private RestoredMembers() {}

  static List<RestoredEtcd.MemberFlags> flags(List<RestoredMember> members) {
    return members.stream().map(m -> new RestoredEtcd.MemberFlags(m.name(), m.etcdFlags())).toList();
  }
}
