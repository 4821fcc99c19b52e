// Whether anything in one folder may have changed, without looking at its
// files: inotify on the folder (Linux), so that `piperun serve`'s loop does
// not stat every plan file every second (docs/service.md "Plans and reloads";
// issue 13: a thousand stats a second were a tenth of the loop's time).
#pragma once

#include <chrono>
#include <string>

namespace pipelang::runtime::service {

class FolderWatch {
 public:
  // `dir`: the folder watched; `fullScanEvery`: how often changed() says yes
  // anyway, for what inotify cannot see (a file edited through a symlink
  // into another folder, a network file system).
  FolderWatch(std::string dir, std::chrono::seconds fullScanEvery);
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // True at the first call and whenever the watch is set again; then when an entry of the folder was created,
  // removed, renamed, written or had its attributes changed since the last
  // call, when the folder itself was removed or renamed, when the kernel's
  // event queue overflowed, when no watch can be set (the folder is missing:
  // every call is true until it can), or when `fullScanEvery` has passed
  // since the last true. The watch is set before the caller looks at the
  // folder, so a change made while it looks is a true at the next call.
  bool changed();
  bool watching() const { return fd_ >= 0; }  // an inotify watch is set

 private:
  void arm();
  void disarm();
  bool drain();  // whether any event was queued; disarms when the watch is gone

  std::string dir_;
  std::chrono::seconds fullScanEvery_;
  std::chrono::steady_clock::time_point lastTrue_{};
  int fd_ = -1;
};

}  // namespace pipelang::runtime::service
