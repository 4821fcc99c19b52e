// `pipec lsp` shows what `pipec check` shows: after every edit, the open
// files that import the edited one are compiled again, and the errors of
// imported files that are not open are published (issue 20 §2).
#include "LspFixture.h"

#include <map>
#include <tuple>

namespace {

using namespace lsptest;
namespace fs = std::filesystem;
namespace json = llvm::json;

// (code, first line, first character, last line, last character, message), 0-based.
using Entry = std::tuple<std::string, int64_t, int64_t, int64_t, int64_t, std::string>;

// Runs `pipec check --format=json FILE` in `directory` and returns its stdout.
std::string checkJson(const fs::path& directory, const std::string& file) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 2);
    if (chdir(directory.c_str()) != 0) _exit(126);
    unsetenv("PIPE_STDLIB");
    execl(PIPEC_PATH, PIPEC_PATH, "check", "--format=json", file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char chunk[4096];
  ssize_t n;
  while ((n = read(out[0], chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
  close(out[0]);
  int status;
  waitpid(pid, &status, 0);
  return text;
}

// What `pipec check FILE` reports in `shown` (a display name), in LSP's units (ASCII text).
std::vector<Entry> checkEntries(const fs::path& directory, const std::string& file, const std::string& shown) {
  std::vector<Entry> entries;
  llvm::Expected<json::Value> parsed = json::parse(checkJson(directory, file));
  EXPECT_TRUE(static_cast<bool>(parsed));
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return entries;
  }
  for (const json::Value& item : *parsed->getAsArray()) {
    const json::Object& d = *item.getAsObject();
    if (d.getString("file") != llvm::StringRef(shown)) continue;
    entries.emplace_back(d.getString("code")->str(), *d.getInteger("line") - 1, *d.getInteger("column") - 1,
                         *d.getInteger("end_line") - 1, *d.getInteger("end_column") - 1, d.getString("message")->str());
  }
  return entries;
}

// The published diagnostics as entries (the message without its `help:`
// line), leaving out the ones on imports that sum up imported files' errors.
std::vector<Entry> lspEntries(const json::Array& diagnostics) {
  std::vector<Entry> entries;
  for (const json::Value& item : diagnostics) {
    const json::Object& d = *item.getAsObject();
    std::string message = d.getString("message")->str();
    if (message.starts_with("imported file `")) continue;
    message = message.substr(0, message.find("\nhelp: "));
    const json::Object& range = *d.getObject("range");
    entries.emplace_back(d.getString("code")->str(), *range.getObject("start")->getInteger("line"),
                         *range.getObject("start")->getInteger("character"),
                         *range.getObject("end")->getInteger("line"), *range.getObject("end")->getInteger("character"),
                         message);
  }
  return entries;
}

class LspDependentsTest : public LspTest {
 protected:
  // Sends a request and collects every diagnostics notification before its
  // answer: the server compiles what is stale before answering.
  void settle() {
    int id = nextId_++;
    client_->sendRaw(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                     R"(,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":")" + uri(anyOpen_) +
                     R"("}}})");
    while (true) {
      std::string body = client_->receive();
      ASSERT_FALSE(body.empty()) << "no answer to request " << id;
      llvm::Expected<json::Value> message = json::parse(body);
      ASSERT_TRUE(static_cast<bool>(message)) << body;
      const json::Object& object = *message->getAsObject();
      if (object.getInteger("id") == static_cast<int64_t>(id)) return;
      if (object.getString("method") == llvm::StringRef("textDocument/publishDiagnostics")) {
        const json::Object& params = *object.getObject("params");
        published_[params.getString("uri")->str()] = *params.getArray("diagnostics");
        ++publishCount_[params.getString("uri")->str()];
      }
    }
  }
  void openFile(const std::string& name) {
    anyOpen_ = name;
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" +
                     uri(name) + R"(","languageId":"pipe","version":1,"text":)" +
                     jsonString(readFile(directory_ / name)) + "}}}");
  }
  // Saves and sends the new text, as an editor with auto-save would.
  void edit(const std::string& name, const std::string& text) {
    write(name, text);
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":")" +
                     uri(name) + R"(","version":)" + std::to_string(nextId_) + R"(},"contentChanges":[{"text":)" +
                     jsonString(text) + "}]}}");
  }
  json::Array published(const std::string& name) {
    auto found = published_.find(uri(name));
    return found == published_.end() ? json::Array{} : found->second;
  }
  // The published diagnostics of `name` equal what `pipec check CHECKED` reports in it.
  void expectSameAsCheck(const std::string& name, const std::string& checked, const std::string& step) {
    EXPECT_EQ(lspEntries(published(name)), checkEntries(directory_, checked, name)) << step << ": " << name;
  }
  std::map<std::string, json::Array> published_;
  std::map<std::string, int> publishCount_;
  std::string anyOpen_;
  int nextId_ = 100;
};

const std::string kParent =
    "import \"std/aws\"\n"
    "import \"common.pipe\"\n"
    "\n"
    "template Base {\n"
    "  topology = aws\n"
    "  deploy { run = \"deploy.sh\"  timeout = 10m }\n"
    "  alarms { high = errors > 1% for 3 of 5 }\n"
    "  rollback_on = high\n"
    "}\n";

TEST_F(LspDependentsTest, EditsOfAParentReachEveryOpenChildAsPipecCheckSeesThem) {
  write("common.pipe", "template Metrics {\n  metrics { errors = prometheus(\"e\", percent) }\n}\n");
  write("parent.pipe", kParent);
  write("child-a.pipe", "import \"parent.pipe\"\n\ntemplate A extends Base {\n  kind = code\n}\n");
  write("child-b.pipe", "import \"parent.pipe\"\n\ntemplate B extends Base {\n  rollback_on = high\n}\n");
  write("child-c.pipe", "import \"parent.pipe\"\n\ntemplate C extends Base {\n}\n");  // never opened
  for (const char* name : {"parent.pipe", "child-a.pipe", "child-b.pipe"}) openFile(name);
  settle();

  auto expectAllSameAsCheck = [&](const std::string& step) {
    expectSameAsCheck("parent.pipe", "parent.pipe", step);
    expectSameAsCheck("child-a.pipe", "child-a.pipe", step);
    expectSameAsCheck("child-b.pipe", "child-b.pipe", step);
    expectSameAsCheck("common.pipe", "parent.pipe", step);  // imported, not open
    // Not open and imported by no open file: nothing is published for it.
    EXPECT_EQ(publishCount_.count(uri("child-c.pipe")), 0u) << step;
  };
  expectAllSameAsCheck("opened");

  // The parent takes its metrics from common.pipe: every error goes away.
  std::string parent = kParent;
  parent.replace(parent.find("template Base {"), 15, "template Base extends Metrics {");
  edit("parent.pipe", parent);
  settle();
  expectAllSameAsCheck("metrics inherited");
  EXPECT_TRUE(published("parent.pipe").empty());

  // A unit error in the parent: its own diagnostic.
  std::string unitError = parent;
  unitError.replace(unitError.find("timeout = 10m"), 13, "timeout = 10%");
  edit("parent.pipe", unitError);
  settle();
  expectAllSameAsCheck("unit error");
  EXPECT_FALSE(published("parent.pipe").empty());

  // The parent renames the template: both open children break (R101).
  std::string renamed = parent;
  renamed.replace(renamed.find("template Base "), 14, "template Base2 ");
  edit("parent.pipe", renamed);
  settle();
  expectAllSameAsCheck("renamed");
  ASSERT_EQ(lspEntries(published("child-a.pipe")).size(), 1u);
  EXPECT_EQ(std::get<0>(lspEntries(published("child-a.pipe"))[0]), "R101");
  ASSERT_EQ(lspEntries(published("child-b.pipe")).size(), 1u);

  // The parent does not parse.
  std::string broken = parent;
  broken.erase(broken.rfind('}'));
  edit("parent.pipe", broken);
  settle();
  expectAllSameAsCheck("parse error");

  // The parent is right again: the children's errors are gone.
  edit("parent.pipe", parent);
  settle();
  expectAllSameAsCheck("restored");
  EXPECT_TRUE(published("child-a.pipe").empty());
  EXPECT_TRUE(published("child-b.pipe").empty());

  // A child breaks a name of the parent's: only that child has the error.
  std::string childB = readFile(directory_ / "child-b.pipe");
  childB.replace(childB.find("rollback_on = high"), 18, "kind = cod");
  edit("child-b.pipe", childB);
  settle();
  expectAllSameAsCheck("child typo");
  EXPECT_EQ(lspEntries(published("child-b.pipe")).size(), 1u);
}

// The case `lsp-imported-parse-error`: the imported file is not open.
const std::string kSvc = "import \"std/aws\"\nimport \"tmpl.pipe\"\n\ntemplate Svc extends Base2 {\n  kind = code\n}\n";
// It imports what it names (`aws`): Svc extends it and nothing extends Svc,
// so its names are resolved as a pipeline's (docs/checks.md "Templates nothing extends").
const std::string kTmpl =
    "import \"std/aws\"\ntemplate Base2 {\n  artifact = \"svc\"\n  topology = aws\n  deploy { run = \"deploy.sh\"  "
    "timeout = 10m }\n}\n";

TEST_F(LspDependentsTest, ErrorsOfAnImportedFileThatIsNotOpenArePublished) {
  std::string brokenTmpl = kTmpl;
  brokenTmpl.erase(brokenTmpl.rfind('}'));
  write("tmpl.pipe", brokenTmpl);
  write("svc.pipe", kSvc);
  openFile("svc.pipe");
  settle();
  // On the import line, with the imported file's error as related information.
  std::string p001 = "expected `}` before end of file";
  EXPECT_EQ(
      [&] {
        std::string text;
        llvm::raw_string_ostream(text) << json::Value(published("svc.pipe"));
        return text;
      }(),
      R"([{"code":"P001","message":"imported file `tmpl.pipe` has an error: tmpl.pipe:6:1: )" + p001 +
          R"(","range":{"end":{"character":18,"line":1},"start":{"character":7,"line":1}},"relatedInformation":[{"location":{"range":{"end":{"character":0,"line":5},"start":{"character":0,"line":5}},"uri":")" +
          uri("tmpl.pipe") + R"("},"message":"P001: )" + p001 + R"("}],"severity":1,"source":"pipec"}])");
  // And for the imported file's own URI, as `pipec check svc.pipe` reports it.
  expectSameAsCheck("tmpl.pipe", "svc.pipe", "not open");
  ASSERT_EQ(lspEntries(published("tmpl.pipe")).size(), 1u);

  // Opened and fixed in the editor: both lists are empty.
  openFile("tmpl.pipe");
  edit("tmpl.pipe", kTmpl);
  settle();
  EXPECT_TRUE(published("svc.pipe").empty());
  EXPECT_TRUE(published("tmpl.pipe").empty());

  // Closed without saving: the file on disk is broken again, so svc.pipe
  // and tmpl.pipe show its error again.
  write("tmpl.pipe", brokenTmpl);
  client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":")" +
                   uri("tmpl.pipe") + R"("}}})");
  anyOpen_ = "svc.pipe";
  settle();
  expectSameAsCheck("tmpl.pipe", "svc.pipe", "closed");
  ASSERT_EQ(lspEntries(published("tmpl.pipe")).size(), 1u);
  ASSERT_EQ(published("svc.pipe").size(), 1u);

  // Through a file that is not open either, and for a missing import (R103).
  write("middle.pipe", "import \"tmpl.pipe\"\nimport \"gone.pipe\"\n");
  edit("svc.pipe", "import \"middle.pipe\"\n");
  settle();
  json::Array svc = published("svc.pipe");
  ASSERT_EQ(svc.size(), 1u);
  EXPECT_EQ(svc[0].getAsObject()->getString("message")->str(),
            "imported file `middle.pipe` has 2 errors: middle.pipe:2:8: import `gone.pipe` not found");
  EXPECT_EQ(svc[0].getAsObject()->getArray("relatedInformation")->size(), 2u);
  expectSameAsCheck("middle.pipe", "svc.pipe", "middle");
  expectSameAsCheck("tmpl.pipe", "svc.pipe", "middle");

  // No open file imports them any more: their diagnostics are cleared.
  edit("svc.pipe", "template T {\n}\n");
  settle();
  EXPECT_TRUE(published("middle.pipe").empty());
  EXPECT_TRUE(published("tmpl.pipe").empty());
  EXPECT_TRUE(published("svc.pipe").empty());
}

// An editor may spell a file's URI otherwise than the server (here `%2E`
// for the dot): opening an imported file must not clear its diagnostics
// under the server's spelling as if it were no longer imported.
TEST_F(LspDependentsTest, OpeningAnImportedFileUnderAnotherSpellingKeepsItsDiagnostics) {
  std::string brokenTmpl = kTmpl;
  brokenTmpl.erase(brokenTmpl.rfind('}'));
  write("tmpl.pipe", brokenTmpl);
  write("svc.pipe", kSvc);
  openFile("svc.pipe");
  settle();
  ASSERT_EQ(lspEntries(published("tmpl.pipe")).size(), 1u);
  client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" +
                   uri("tmpl%2Epipe") + R"(","languageId":"pipe","version":1,"text":)" + jsonString(brokenTmpl) +
                   "}}}");
  settle();
  EXPECT_EQ(lspEntries(published("tmpl%2Epipe")).size(), 1u);
  EXPECT_EQ(lspEntries(published("tmpl.pipe")).size(), 1u) << "cleared under the server's spelling";
}

}  // namespace
