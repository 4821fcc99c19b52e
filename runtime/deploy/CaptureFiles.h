// Capture files for child processes' stdout and stderr: unlinked, blank,
// close-on-exec files in TMPDIR (or /tmp), made ahead of need by one
// background thread. Making a file is the costliest part of starting a call
// on some file systems (ext4 without a journal searches its inode bitmap for
// one not recently deleted), and `piperun serve` starts calls from its one
// loop thread, so the loop takes ready files instead of making them.
#pragma once

namespace pipelang::runtime {

// A blank capture file (size 0, offset 0) that the caller owns and closes;
// -1 with errno set when none can be made. Thread-safe. A file is made on
// the caller's thread only when no ready one is left.
int takeCaptureFile();

// The number of files kept ready (the background thread refills to it once
// fewer than half are left).
constexpr int kReadyCaptureFiles = 32;

}  // namespace pipelang::runtime
