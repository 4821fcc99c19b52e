// The one escaping function for text from people and commands (runtime.md,
// "Text from people and commands").
#include "runtime/text/Printable.h"

#include <gtest/gtest.h>

using pipelang::runtime::hasControl;
using pipelang::runtime::printable;

namespace {

TEST(Printable, ControlCharactersAreEscapedAndTextIsKept) {
  EXPECT_EQ(printable("canary bad\nSun 2026-11-29 22:59  approval"), "canary bad\\nSun 2026-11-29 22:59  approval");
  EXPECT_EQ(printable("mallory\x1b[2K\x1b[1Galice"), "mallory\\x1b[2K\\x1b[1Galice");
  EXPECT_EQ(printable("a\rb\tc\x7f\x01"), "a\\rb\\tc\\x7f\\x01");
  EXPECT_EQ(printable("csi \xc2\x9b"
                      "31m"),
            "csi \\u009b31m");  // C1 CSI, UTF-8 encoded
  EXPECT_EQ(printable("raw \x9b"
                      "31m \xff"),
            "raw \\x9b31m \\xff");  // bytes that are not UTF-8
  EXPECT_EQ(printable("déploiement ✓ 🚀 v2.1+build"), "déploiement ✓ 🚀 v2.1+build");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate is not UTF-8
}

TEST(Printable, VersionsWithControlsAreDetected) {
  EXPECT_FALSE(hasControl("v2.1-rc1+sha.abc"));
  EXPECT_FALSE(hasControl("v2;touch${IFS}pwned"));
  EXPECT_TRUE(hasControl("v2\nforged line"));
  EXPECT_TRUE(hasControl("v2\x1b[1G"));
}

}  // namespace
