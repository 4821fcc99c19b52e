#include "runtime/deploy/CallRecorder.h"

#include "runtime/deploy/ProcessIdentity.h"

#include <fmt/format.h>

namespace pipelang::runtime {

ExecDeployer::Recorder journalRecorder(Journal& journal, std::int64_t runId, Clock& clock) {
  return {[&journal, runId](const DeployCall& call, pid_t group, Instant now) {
            CallRecord record;
            record.runId = runId;
            record.step = call.step;
            record.action = call.action;
            record.hosts = fmt::format("{}", fmt::join(call.hosts, " "));
            record.pgid = group;
            record.startTicks = processStartTicks(group).value_or(0);
            record.startedAt = now;
            record.timeoutS = call.timeoutS;
            journal.callStarted(record);
          },
          [&journal, &clock](pid_t group) { journal.callEnded(group, clock.now()); }};
}

}  // namespace pipelang::runtime
