// `notify` targets against real receivers on 127.0.0.1 and a real command
// (docs/runtime.md "Notifications"): the JSON a webhook receives, retries
// after a 500, a refused connection given up within its bound, a hanging
// receiver that never delays the deployment, a `run` target's environment,
// every attempt in `piperun log`, and each event kind raised by a real run
// (stage_started, rolled_back, failed_readings, blocked, approval_needed).
#include "ProcessHarness.h"

#include "plan/PlanReader.h"
#include "plan/PlanWriter.h"
#include "runtime/journal/Journal.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

using namespace pipelang;
using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A line of `piperun log` after its time: the place padded to 30, then what happened.
std::string logLine(const std::string& where, const std::string& what) {
  return where + std::string(where.size() < 30 ? 32 - where.size() : 2, ' ') + what;
}

// A webhook receiver: /ok answers 200, /flaky 500 then 200, /hang never
// answers (until the test ends); every request's path and body are kept.
class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock<std::mutex> lock(mutex_);
      received_.emplace_back(request.path, request.body);
      if (request.path == "/hang") {
        released_.wait_for(lock, std::chrono::seconds(20), [this] { return release_; });
        response.status = 200;
        return;
      }
      int seen = 0;
      for (const auto& [path, body] : received_) seen += path == request.path;
      response.status = request.path == "/flaky" && seen == 1 ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<std::string> bodies(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [p, body] : received_)
      if (p == path) out.push_back(body);
    return out;
  }
  // The bodies of `path` once there are `count` of them (at most `seconds`).
  std::vector<std::string> await(const std::string& path, size_t count, int seconds = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (bodies(path).size() < count && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return bodies(path);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
  std::vector<std::pair<std::string, std::string>> received_;
};

// A loopback port nobody listens on: connections to it are refused.
int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A fixture (`crash` unless said) with `targets` added and `edit` applied, signed again, in the sandbox.
std::string planWith(const Sandbox& box, std::vector<planformat::NotifyTarget> targets,
                     const std::string& fixture = "crash",
                     const std::function<void(planformat::Plan&)>& edit = nullptr) {
  auto plan = planformat::readPlanFile(box.plan(fixture));
  EXPECT_TRUE(static_cast<bool>(plan));
  plan->notify = std::move(targets);
  if (edit) edit(*plan);
  std::string path = (box.dir() / "notify.plan.json").string();
  box.write("notify.plan.json", planformat::writePlan(*plan));
  return path;
}

struct RunTimes {
  std::int64_t startedAt = 0, finishedAt = 0;
};

RunTimes lastRun(const Sandbox& box) {
  auto journal = runtime::Journal::open(box.db(), false);
  EXPECT_TRUE(static_cast<bool>(journal));
  auto run = (*journal)->latestRun();
  EXPECT_TRUE(run.has_value());
  return {run->startedAt, run->finishedAt};
}

std::map<std::string, std::string> fastRetries() {
  return {{"PIPERUN_NOTIFY_TIMEOUT_MS", "2000"},
          {"PIPERUN_NOTIFY_BACKOFF_MS", "200"},
          {"PIPERUN_NOTIFY_RETRY_FOR_MS", "1000"},
          {"PIPERUN_NOTIFY_EXIT_WAIT_MS", "8000"}};
}

TEST(Notify, WebhooksAndACommandAreToldAndEveryAttemptIsInTheLog) {
  Sandbox box;
  Receiver receiver;
  box.write("notify.sh", "env | grep '^PIPE_NOTIFY_' | sort >> notified.env\necho --- >> notified.env\n");
  std::string refused = "http://127.0.0.1:" + std::to_string(closedPort()) + "/hooks";
  std::string plan = planWith(box, {{"chat", {"run_started", "deployed"}, 1800, receiver.url("/ok"), ""},
                                    {"flaky", {"deployed"}, 1800, receiver.url("/flaky"), ""},
                                    {"gone", {"deployed"}, 1800, refused, ""},
                                    {"pager", {"deployed"}, 1800, "", "sh notify.sh"}});
  ProcessResult run =
      box.piperun({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()}, fastRetries());
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;

  // The JSON a chat tool receives, for the start and the end.
  auto chat = receiver.bodies("/ok");
  ASSERT_EQ(chat.size(), 2u);
  auto started = llvm::json::parse(chat[0]);
  ASSERT_TRUE(static_cast<bool>(started));
  EXPECT_EQ(*started->getAsObject()->getString("event"), "run_started");
  auto deployed = llvm::json::parse(chat[1]);
  ASSERT_TRUE(static_cast<bool>(deployed));
  const llvm::json::Object& body = *deployed->getAsObject();
  EXPECT_EQ(*body.getString("event"), "deployed");
  EXPECT_EQ(*body.getString("pipeline"), "CrashLab");
  EXPECT_EQ(*body.getString("version"), "v2");
  EXPECT_EQ(body.get("stage")->kind(), llvm::json::Value::Null);
  EXPECT_EQ(body.get("trigger")->kind(), llvm::json::Value::Null);
  EXPECT_TRUE(body.getInteger("run_id").hasValue());
  EXPECT_TRUE(has(body.getString("text")->str(), "CrashLab v2 deployed: v2 deployed everywhere in"))
      << body.getString("text")->str();
  EXPECT_EQ(receiver.bodies("/flaky").size(), 2u);  // 500, then 200

  // The command's environment: the same fields, no shell in between.
  std::string env = box.read("notified.env");
  EXPECT_TRUE(has(env, "PIPE_NOTIFY_EVENT=deployed\n")) << env;
  EXPECT_TRUE(has(env, "PIPE_NOTIFY_PIPELINE=CrashLab\n")) << env;
  EXPECT_TRUE(has(env, "PIPE_NOTIFY_VERSION=v2\n")) << env;
  EXPECT_TRUE(has(env, "PIPE_NOTIFY_TEXT=CrashLab v2 deployed: ")) << env;

  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, logLine("notify chat/webhook", "run_started, attempt 1: delivered (HTTP 200)"))) << log.out;
  EXPECT_TRUE(
      has(log.out, logLine("notify flaky/webhook", "deployed, attempt 1: failed (HTTP 500), next attempt in 0.2s")))
      << log.out;
  EXPECT_TRUE(has(log.out, logLine("notify flaky/webhook", "deployed, attempt 2: delivered (HTTP 200)"))) << log.out;
  EXPECT_TRUE(has(log.out, logLine("notify gone/webhook", "deployed, attempt 1: failed ("))) << log.out;
  EXPECT_TRUE(has(log.out, "gave up after 3 attempts")) << log.out;
  EXPECT_TRUE(has(log.out, logLine("notify pager/run", "deployed, attempt 1: delivered (exit 0)"))) << log.out;
}

TEST(Notify, AHangingReceiverNeverDelaysTheDeployment) {
  Sandbox quiet;
  ProcessResult baseline =
      quiet.piperun({"run", quiet.plan("crash"), "--version", "v2", "--previous", "v1", "--state", quiet.db()});
  ASSERT_EQ(baseline.exitCode, 0) << baseline.out << baseline.err;
  RunTimes without = lastRun(quiet);

  Sandbox box;
  Receiver receiver;
  std::string plan = planWith(
      box, {{"slow", {"run_started", "stage_started", "stage_done", "deployed"}, 1800, receiver.url("/hang"), ""}});
  auto begin = std::chrono::steady_clock::now();
  ProcessResult run = box.piperun({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()},
                                  {{"PIPERUN_NOTIFY_TIMEOUT_MS", "1500"},
                                   {"PIPERUN_NOTIFY_RETRY_FOR_MS", "0"},
                                   {"PIPERUN_NOTIFY_EXIT_WAIT_MS", "3000"}});
  auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;
  RunTimes with = lastRun(box);
  // Seven notifications of 1.5 s each would add 10 s if the engine waited for them.
  EXPECT_LE(with.finishedAt - with.startedAt, without.finishedAt - without.startedAt + 1);
  EXPECT_LE(took, without.finishedAt - without.startedAt + 1 + 3 + 3);  // + the exit wait, + start-up
  EXPECT_GE(receiver.bodies("/hang").size(), 4u);

  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, logLine("notify slow/webhook",
                                   "run_started, attempt 1: failed (no answer within 1.5s), gave up after 1 attempt")))
      << log.out;
}

// One webhook body, parsed.
struct Told {
  std::string event, pipeline, version, stage, step, trigger, text;
};

Told told(const std::string& body) {
  auto value = llvm::json::parse(body);
  EXPECT_TRUE(static_cast<bool>(value)) << body;
  Told out;
  if (!value || !value->getAsObject()) return out;
  const llvm::json::Object& o = *value->getAsObject();
  auto text = [&](const char* key) { return o.getString(key).getValueOr("").str(); };
  return {text("event"), text("pipeline"), text("version"), text("stage"), text("step"), text("trigger"), text("text")};
}

std::vector<std::string> eventsOf(const std::vector<std::string>& bodies) {
  std::vector<std::string> out;
  for (const auto& body : bodies) out.push_back(told(body).event + " " + told(body).stage);
  return out;
}

TEST(Notify, StagesAndTheEndAreToldInTheOrderOfTheRun) {
  Sandbox box;
  Receiver receiver;
  std::string plan =
      planWith(box, {{"chat", {"stage_started", "stage_done", "deployed"}, 1800, receiver.url("/ok"), ""}});
  ProcessResult run = box.piperun({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()});
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;
  auto bodies = receiver.await("/ok", 5);
  EXPECT_EQ(eventsOf(bodies), (std::vector<std::string>{"stage_started wave1", "stage_done wave1",
                                                        "stage_started wave2", "stage_done wave2", "deployed "}));
  ASSERT_EQ(bodies.size(), 5u);
  Told started = told(bodies[0]);
  EXPECT_EQ(started.pipeline, "CrashLab");
  EXPECT_EQ(started.version, "v2");
  EXPECT_EQ(started.step, "");
  EXPECT_EQ(started.trigger, "");
  EXPECT_EQ(started.text.rfind("CrashLab v2 stage_started at wave1: ", 0), 0u) << started.text;
}

TEST(Notify, ARollbackSaysWhichAlarmAndWhere) {
  Sandbox box;
  Receiver receiver;
  box.write("fault_rate", "0.5\n");
  std::string plan = planWith(box, {{"oncall", {"rollback_started", "rolled_back"}, 1800, receiver.url("/ok"), ""}});
  ProcessResult run =
      box.piperun({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()}, fastRetries());
  ASSERT_EQ(run.exitCode, 3) << run.out << run.err;
  auto bodies = receiver.await("/ok", 2);
  ASSERT_EQ(eventsOf(bodies), (std::vector<std::string>{"rollback_started wave1", "rolled_back wave1"}));
  Told rolled = told(bodies[1]);
  EXPECT_EQ(rolled.version, "v2");
  EXPECT_EQ(rolled.trigger, "high_faults");
  EXPECT_EQ(rolled.step.rfind("wave1/lab-east/", 0), 0u) << rolled.step;
  EXPECT_EQ(rolled.text.rfind("CrashLab v2 rolled_back at " + rolled.step + ": v2 rolled back (high_faults)", 0), 0u)
      << rolled.text;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, logLine("notify oncall/webhook", "rolled_back, attempt 1: delivered (HTTP 200)")))
      << log.out;
}

TEST(Notify, AFailedReadingIsToldWithItsMetric) {
  Sandbox box;
  Receiver receiver;
  box.write("fault_rate", "not a number\n");
  std::string plan = planWith(box, {{"metrics", {"failed_readings"}, 1800, receiver.url("/ok"), ""}});
  ProcessResult run =
      box.piperun({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()}, fastRetries());
  EXPECT_NE(run.exitCode, 0) << run.out << run.err;  // a source that keeps failing is an alarm
  auto bodies = receiver.await("/ok", 1);
  ASSERT_FALSE(bodies.empty()) << run.out;
  Told first = told(bodies[0]);
  EXPECT_EQ(first.event, "failed_readings");
  EXPECT_EQ(first.stage, "wave1");
  EXPECT_EQ(first.trigger, "fault_rate");
  EXPECT_EQ(first.text.rfind("CrashLab v2 failed_readings at wave1", 0), 0u) << first.text;
  // The first failure of a streak, per scope: far fewer than the failed readings.
  std::set<std::string> scopes;
  for (const auto& body : bodies) scopes.insert(told(body).step + "|" + told(body).text);
  EXPECT_EQ(scopes.size(), bodies.size()) << "the same streak told twice";
}

TEST(Notify, ABlockLongerThanBlockedAfterIsToldOnceAndAShorterOneIsNot) {
  Sandbox box;
  Receiver receiver;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "ALARM\n");
  std::string plan = planWith(box,
                              {{"quick", {"blocked"}, 1, receiver.url("/quick"), ""},
                               {"patient", {"blocked"}, 60, receiver.url("/patient"), ""}},
                              "crash", [](planformat::Plan& p) {
                                planformat::AlarmExpr external;
                                external.op = planformat::AlarmExpr::Op::External;
                                external.name = "org-event";
                                p.alarms["org_event"] = external;
                                p.blockOn = {"org_event"};
                              });
  int pid =
      box.start({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db(), "--alarms-dir", "alarms"});
  auto quick = receiver.await("/quick", 1);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // still blocked: told once per wait, not again
  box.write("alarms/org-event", "OK\n");
  ProcessResult run = Sandbox::wait(pid, 60);
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;
  quick = receiver.bodies("/quick");
  ASSERT_EQ(quick.size(), 1u);
  Told blocked = told(quick[0]);
  EXPECT_EQ(blocked.event, "blocked");
  EXPECT_EQ(blocked.stage, "wave1");
  EXPECT_EQ(blocked.trigger, "org-event");
  EXPECT_EQ(blocked.text.rfind("CrashLab v2 blocked at wave1: blocked for ", 0), 0u) << blocked.text;
  EXPECT_TRUE(has(blocked.text, "org-event")) << blocked.text;
  // Blocked about 3 s: shorter than the patient target's 60 s, so it hears nothing.
  EXPECT_TRUE(receiver.bodies("/patient").empty());
}

TEST(Notify, AnApprovalStepAsksOnceAndTheRunGoesOnWhenApproved) {
  Sandbox box;
  Receiver receiver;
  std::string plan = planWith(box, {{"approvers", {"approval_needed"}, 1800, receiver.url("/ok"), ""}}, "approval");
  int pid = box.start({"run", plan, "--version", "v2", "--previous", "v1", "--state", box.db()});
  auto bodies = receiver.await("/ok", 1);
  ASSERT_EQ(bodies.size(), 1u);
  ProcessResult approve = box.piperun({"approve", "--by", "alice", "--state", box.db()});
  EXPECT_EQ(approve.exitCode, 0) << approve.out << approve.err;
  ProcessResult run = Sandbox::wait(pid, 60);
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;
  bodies = receiver.bodies("/ok");
  ASSERT_EQ(bodies.size(), 1u) << "approval_needed told more than once";
  Told asked = told(bodies[0]);
  EXPECT_EQ(asked.event, "approval_needed");
  EXPECT_EQ(asked.stage, "wave2");
  EXPECT_EQ(asked.step, "wave2/approval");
  EXPECT_EQ(asked.trigger, "approval");
  EXPECT_EQ(asked.text,
            "ApprovalLab v2 approval_needed at wave2/approval: waiting for approval (piperun approve --by WHO)");
}

}  // namespace
