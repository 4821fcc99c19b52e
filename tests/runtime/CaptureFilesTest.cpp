// Capture files (runtime/deploy/CaptureFiles.h): each call's stdout and stderr
// go to a blank file of its own, whether it was made ahead by the background
// thread or on the spot once the ready ones ran out.
#include "runtime/deploy/CaptureFiles.h"
#include "runtime/deploy/ChildProcess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

namespace pipelang::runtime {
namespace {

TEST(CaptureFiles, EveryFileTakenIsBlankAndItsOwnEvenPastTheReadyOnes) {
  std::set<ino_t> inodes;
  std::vector<int> taken;
  for (int i = 0; i < 3 * kReadyCaptureFiles; ++i) {
    int fd = takeCaptureFile();
    ASSERT_GE(fd, 0);
    struct stat file {};
    ASSERT_EQ(fstat(fd, &file), 0);
    EXPECT_EQ(file.st_size, 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
    EXPECT_EQ(file.st_nlink, 0u) << "a capture file has no name to leave behind";
    EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) << "a capture file must not leak into other children";
    inodes.insert(file.st_ino);
    ASSERT_EQ(write(fd, "x", 1), 1);
    taken.push_back(fd);
  }
  EXPECT_EQ(inodes.size(), taken.size());
  for (int fd : taken) close(fd);
}

TEST(CaptureFiles, EachCallCapturesExactlyItsOwnOutput) {
  for (int i = 0; i < 2 * kReadyCaptureFiles; ++i) {
    CommandOutcome outcome = runCommand(
        {"sh", "-c", "printf 'out %s' \"$1\"; printf 'err %s' \"$1\" >&2; exit 3", "sh", std::to_string(i)}, {}, 10000);
    EXPECT_EQ(outcome.output, "out " + std::to_string(i));
    EXPECT_EQ(outcome.error, "exit 3: err " + std::to_string(i));
  }
}

TEST(CaptureFiles, OutputPastTheLimitIsCutAtIt) {
  CommandOutcome outcome = runCommand({"head", "-c", "100000", "/dev/zero"}, {}, 10000);
  EXPECT_EQ(outcome.output.size(), ChildProcess::kCaptureLimit);
  CommandOutcome empty = runCommand({"true"}, {}, 10000);
  EXPECT_EQ(empty.output, "");
}

}  // namespace
}  // namespace pipelang::runtime
