// Fuzz build only (scripts/fuzz.sh, PIPE_FUZZ_AFL): lets clang++-14 compile
// Debian's ANTLR 4.9 headers. misc/InterpreterDataReader.h:20 declares
// `InterpreterData() {}`, which default-constructs a dfa::Vocabulary member;
// clang deletes Vocabulary's default constructor there (g++ accepts it). We
// never use InterpreterData, so that one member is made a pointer while its
// header is read (it is #pragma once: the real antlr4-runtime.h then skips
// it), and the real header follows.
#pragma once

#include "antlr4-common.h"
#include "Vocabulary.h"
#include "atn/ATN.h"

#define vocabulary *vocabulary
#include "misc/InterpreterDataReader.h"
#undef vocabulary

#include_next <antlr4-runtime.h>
