#include "runtime/engine/WaitNotice.h"

namespace pipelang::runtime {

bool WaitNotice::update(const std::string& kind, const std::string& text, Instant now) {
  current_ = text;
  if (since_ < 0 || kind != kind_) {
    since_ = since_ < 0 ? now : since_;
    kind_ = kind;
  } else if (text == said_ || now - saidAt_ < kRepeatS) {
    return false;
  }
  said_ = text;
  saidAt_ = now;
  return true;
}

void WaitNotice::clear() {
  kind_.clear();
  said_.clear();
  current_.clear();
  saidAt_ = 0;
  since_ = -1;
}

std::optional<Instant> WaitNotice::due() const {
  if (since_ < 0 || current_ == said_) return std::nullopt;
  return saidAt_ + kRepeatS;
}

}  // namespace pipelang::runtime
