// pipec on a large organisation (issue 18): memory that does not grow with
// each service's model. Organisations come from bench/gen_override_org.py
// (every service overrides its hosts, an alarm and a traffic floor, so none
// shares its plan shape with another).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace {

struct Usage {
  int status = -1;
  long peakKiB = 0;  // the child's peak resident set (ru_maxrss)
  double cpuS = 0;   // the child's user + system time
};

// Runs `pipec ARGS...` in `dir` with output discarded; the exit status and
// the child's own peak memory, from wait4.
Usage runPipec(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), PIPEC_PATH);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  fs::path before = fs::current_path();
  fs::current_path(dir);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, PIPEC_PATH, &actions, nullptr, argv.data(), environ);
  fs::current_path(before);
  posix_spawn_file_actions_destroy(&actions);
  Usage usage;
  if (spawned != 0) return usage;
  int raw = 0;
  rusage resources{};
  if (wait4(pid, &raw, 0, &resources) != pid) return usage;
  usage.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  usage.peakKiB = resources.ru_maxrss;
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  usage.cpuS = seconds(resources.ru_utime) + seconds(resources.ru_stime);
  return usage;
}

class PipecScale : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-scale-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path organisation(int services) {
    fs::path out = dir_ / ("org" + std::to_string(services));
    std::string command = "python3 '" + (fs::path(PIPE_SOURCE_DIR) / "bench/gen_override_org.py").string() + "' " +
                          std::to_string(services) + " '" + out.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return out;
  }

  fs::path dir_;
};

}  // namespace

// `pipec check` builds, checks and frees each service's model in turn: going
// from 300 to 3,000 services adds their sources and syntax trees (about 8 KiB
// a service), not 2,700 models and merged bodies (about 25 KiB a service
// when every model was held to the end).
TEST_F(PipecScale, CheckMemoryDoesNotHoldEveryServicesModel) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "peak memory means nothing under AddressSanitizer (its shadow memory and quarantine)";
#endif
  fs::path small = organisation(300), large = organisation(3000);
  Usage few = runPipec(small, {"check", "services"});
  Usage many = runPipec(large, {"check", "services"});
  ASSERT_EQ(few.status, 0);
  ASSERT_EQ(many.status, 0);
  long perService = (many.peakKiB - few.peakKiB) / 2700;
  EXPECT_LT(perService, 14) << "peak " << few.peakKiB << " KiB at 300 services, " << many.peakKiB << " KiB at 3,000";
}

// `pipec plan -o` checks the services as `check` does, then makes each
// model again to write its plan and frees it: 100 to 600 services adds their
// sources and syntax trees and a few plans in flight, not 500 models (about
// 25 KiB a service when every model was held while the plans were written).
TEST_F(PipecScale, PlanOutputMemoryDoesNotHoldEveryServicesModel) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "peak memory means nothing under AddressSanitizer (its shadow memory and quarantine)";
#endif
  fs::path small = organisation(100), large = organisation(600);
  Usage few = runPipec(small, {"plan", "services", "-o", (dir_ / "plans100").string()});
  Usage many = runPipec(large, {"plan", "services", "-o", (dir_ / "plans600").string()});
  ASSERT_EQ(few.status, 0);
  ASSERT_EQ(many.status, 0);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "plans600"), fs::directory_iterator()), 600);
  long perService = (many.peakKiB - few.peakKiB) / 500;
  EXPECT_LT(perService, 14) << "peak " << few.peakKiB << " KiB at 100 services, " << many.peakKiB << " KiB at 600";
}
