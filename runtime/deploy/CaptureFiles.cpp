#include "runtime/deploy/CaptureFiles.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pipelang::runtime {
namespace {

int makeCaptureFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string folder = dir && *dir ? dir : "/tmp";
  // Nameless from the start: no directory entry to create and unlink for
  // each of a busy service's calls. Close-on-exec: never leaks into another child.
  int fd = open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string path = folder + "/piperun-capture-XXXXXX";  // a file system without O_TMPFILE
  fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd >= 0) unlink(path.c_str());
  return fd;
}

// Never destroyed: the refilling thread may be waiting on it while the
// process exits, and the files it holds are nameless (nothing to clean up).
class Stock {
 public:
  int take() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!started_) {
        started_ = true;
        std::thread([this] {
          // Named, or it would take the name of the thread that started it
          // (`serve-loop`) and its CPU would count as the loop's.
          pthread_setname_np(pthread_self(), "capture-files");
          refill();
        }).detach();
      }
      if (!ready_.empty()) {
        int fd = ready_.back();
        ready_.pop_back();
        if (static_cast<int>(ready_.size()) < kReadyCaptureFiles / 2) low_.notify_one();
        return fd;
      }
      low_.notify_one();
    }
    return makeCaptureFile();
  }

 private:
  void refill() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      low_.wait(lock, [this] { return static_cast<int>(ready_.size()) < kReadyCaptureFiles / 2; });
      while (static_cast<int>(ready_.size()) < kReadyCaptureFiles) {
        lock.unlock();
        int fd = makeCaptureFile();
        lock.lock();
        if (fd < 0) break;  // a full or missing TMPDIR: take() makes (and reports) its own
        ready_.push_back(fd);
      }
      if (static_cast<int>(ready_.size()) < kReadyCaptureFiles / 2) {
        // Could not make one: try again after a while rather than spin.
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        lock.lock();
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable low_;
  std::vector<int> ready_;
  bool started_ = false;
};

}  // namespace

int takeCaptureFile() {
  static Stock* stock = new Stock;
  return stock->take();
}

}  // namespace pipelang::runtime
