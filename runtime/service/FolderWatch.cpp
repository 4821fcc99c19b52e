#include "runtime/service/FolderWatch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace pipelang::runtime::service {

namespace {

// Every change that can alter a plan file's name, size, time or content, or
// the folder itself (a ConfigMap-style symlink swap is a rename in the folder).
constexpr std::uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// The watch is gone, or events were lost: look at the folder and set it again.
constexpr std::uint32_t kWatchLost = IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;

}  // namespace

FolderWatch::FolderWatch(std::string dir, std::chrono::seconds fullScanEvery)
    : dir_(std::move(dir)), fullScanEvery_(fullScanEvery) {}

FolderWatch::~FolderWatch() {
  disarm();
}

void FolderWatch::arm() {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;  // no inotify (or no descriptors left): every call is a full look
  if (inotify_add_watch(fd_, dir_.c_str(), kEvents) < 0) disarm();
}

void FolderWatch::disarm() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool FolderWatch::drain() {
  bool any = false;
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    ssize_t got = read(fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EAGAIN: nothing more queued
    any = true;
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->mask & kWatchLost) {
        disarm();
        return true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return any;
}

bool FolderWatch::changed() {
  auto now = std::chrono::steady_clock::now();
  // A watch set now (first, or again after it was lost or the folder was
  // missing) has seen nothing of what happened before: look once more.
  bool armedNow = false;
  if (fd_ < 0) {
    arm();
    armedNow = true;
  }
  bool yes = armedNow || fd_ < 0 || now - lastTrue_ >= fullScanEvery_;
  if (fd_ >= 0 && drain()) yes = true;
  if (yes) lastTrue_ = now;
  return yes;
}

}  // namespace pipelang::runtime::service
