// `pipec lsp`: find references and rename of templates, alarms, metrics and
// regions across the project, open buffers and closed files alike (issue 20 §2).
#include "LspFixture.h"

namespace {

using namespace lsptest;
namespace fs = std::filesystem;

const std::string kTopo =
    "topology small {\n"                                // 0
    "  region r-one { zones = [z1]  traffic = 10% }\n"  // 1
    "  region r-two { zones = [z2]  traffic = 90% }\n"  // 2
    "}\n";

const std::string kBase =
    "import \"topo.pipe\"\n"                               // 0
    "\n"                                                   // 1
    "template Base {\n"                                    // 2
    "  topology = small\n"                                 // 3
    "  metrics { errors = prometheus(\"e\", percent) }\n"  // 4
    "  alarms {\n"                                         // 5
    "    high   = errors > 1% for 3 of 5\n"                // 6
    "    severe = high\n"                                  // 7
    "  }\n"                                                // 8
    "  rollback_on = severe\n"                             // 9
    "  prod { wave 1 { regions = [r-one, r-two] } }\n"     // 10
    "}\n"                                                  // 11
    "\n"                                                   // 12
    "template Other {\n"                                   // 13
    "  alarms { high = errors > 5% }\n"                    // 14
    "  block_on = [high]\n"                                // 15
    "}\n";

const std::string kSvcA =
    "import \"base.pipe\"\n"                        // 0
    "\n"                                            // 1
    "template SvcA extends Base {\n"                // 2
    "  alarms { severe = super.severe or high }\n"  // 3
    "  block_on = [high]\n"                         // 4
    "  stage beta { regions = [r-one] }\n"          // 5
    "}\n";

const std::string kSvcB =             // never opened
    "import \"base.pipe\"\n"          // 0
    "\n"                              // 1
    "template SvcB extends Base {\n"  // 2
    "  block_on = [high, severe]\n"   // 3
    "}\n";

class LspRenameTest : public LspTest {
 protected:
  void SetUp() override {
    LspTest::SetUp();
    write("topo.pipe", kTopo);
    write("base.pipe", kBase);
    write("svc-a.pipe", kSvcA);
    write("svc-b.pipe", kSvcB);
    open("svc-a.pipe", kSvcA);
  }
  std::string range(int line, int from, int to) {
    return R"({"end":{"character":)" + std::to_string(to) + R"(,"line":)" + std::to_string(line) +
           R"(},"start":{"character":)" + std::to_string(from) + R"(,"line":)" + std::to_string(line) + "}}";
  }
  std::string loc(const std::string& file, int line, int from, int to) {
    return R"({"range":)" + range(line, from, to) + R"(,"uri":")" + uri(file) + R"("})";
  }
  std::string edit(int line, int from, int to, const std::string& text) {
    return R"({"newText":")" + text + R"(","range":)" + range(line, from, to) + "}";
  }
  std::string renameAt(int id, const std::string& file, int line, int character, const std::string& newName) {
    std::string params = at(file, line, character);
    params.insert(params.size() - 1, R"(,"newName":)" + jsonString(newName));
    return answer(id, "textDocument/rename", params);
  }
  std::string result(int id, const std::string& value) {
    return R"({"id":)" + std::to_string(id) + R"(,"jsonrpc":"2.0","result":)" + value + "}";
  }
  std::string failure(int id, const std::string& message) {
    return R"({"error":{"code":-32803,"message":)" + jsonString(message) + R"(},"id":)" + std::to_string(id) +
           R"(,"jsonrpc":"2.0"})";
  }
};

TEST_F(LspRenameTest, CapabilitiesAdvertiseReferencesAndRename) {
  client_ = std::make_unique<LspClient>(directory_, std::vector<std::string>{});
  client_->sendRaw(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  std::string answer = client_->receive();
  EXPECT_NE(answer.find(R"("referencesProvider":true,"renameProvider":{"prepareProvider":true})"), std::string::npos)
      << answer;
}

TEST_F(LspRenameTest, ReferencesOfATemplateReachClosedChildren) {
  std::string expected =
      "[" + loc("base.pipe", 2, 9, 13) + "," + loc("svc-a.pipe", 2, 22, 26) + "," + loc("svc-b.pipe", 2, 22, 26) + "]";
  EXPECT_EQ(answer(2, "textDocument/references", at("svc-a.pipe", 2, 24)), result(2, expected));
  // Without the declaration, as the client may ask.
  std::string params = at("svc-a.pipe", 2, 24);
  params.insert(params.size() - 1, R"(,"context":{"includeDeclaration":false})");
  EXPECT_EQ(answer(3, "textDocument/references", params),
            result(3, "[" + loc("svc-a.pipe", 2, 22, 26) + "," + loc("svc-b.pipe", 2, 22, 26) + "]"));
  // On nothing that has references: an empty list.
  EXPECT_EQ(answer(4, "textDocument/references", at("svc-a.pipe", 1, 0)), result(4, "[]"));
}

TEST_F(LspRenameTest, RenamingATemplateUpdatesEveryChild) {
  // Requests name open buffers; the rename reaches closed files.
  EXPECT_NE(answer(2, "textDocument/prepareRename", at("base.pipe", 2, 10)).find("document not open"),
            std::string::npos);
  open("base.pipe", kBase);
  EXPECT_EQ(answer(3, "textDocument/prepareRename", at("base.pipe", 2, 10)),
            result(3, R"({"placeholder":"Base","range":)" + range(2, 9, 13) + "}"));
  EXPECT_EQ(renameAt(4, "base.pipe", 2, 10, "Core"),
            result(4, R"({"changes":{")" + uri("base.pipe") + R"(":[)" + edit(2, 9, 13, "Core") + R"(],")" +
                          uri("svc-a.pipe") + R"(":[)" + edit(2, 22, 26, "Core") + R"(],")" + uri("svc-b.pipe") +
                          R"(":[)" + edit(2, 22, 26, "Core") + "]}}"));
}

TEST_F(LspRenameTest, RenamingAnAlarmFollowsInheritanceOnly) {
  // `high` used in SvcA is Base's alarm: Base, SvcA and SvcB change, Other's own `high` does not.
  EXPECT_EQ(
      renameAt(2, "svc-a.pipe", 4, 15, "hot"),
      result(2, R"({"changes":{")" + uri("base.pipe") + R"(":[)" + edit(6, 4, 8, "hot") + "," + edit(7, 13, 17, "hot") +
                    R"(],")" + uri("svc-a.pipe") + R"(":[)" + edit(3, 36, 40, "hot") + "," + edit(4, 14, 18, "hot") +
                    R"(],")" + uri("svc-b.pipe") + R"(":[)" + edit(3, 14, 18, "hot") + "]}}"));
  // `severe`, overridden by SvcA: the template's declaration, the override, and every use.
  EXPECT_EQ(answer(3, "textDocument/references", at("svc-a.pipe", 3, 13)),
            result(3, "[" + loc("base.pipe", 7, 4, 10) + "," + loc("svc-a.pipe", 3, 11, 17) + "," +
                          loc("base.pipe", 9, 16, 22) + "," + loc("svc-a.pipe", 3, 26, 32) + "," +
                          loc("svc-b.pipe", 3, 20, 26) + "]"));
  // A metric: Base's, used by Base; Other's `errors` is not Base's.
  open("base.pipe", kBase);
  EXPECT_EQ(answer(4, "textDocument/references", at("base.pipe", 6, 14)),
            result(4, "[" + loc("base.pipe", 4, 12, 18) + "," + loc("base.pipe", 6, 13, 19) + "]"));
}

TEST_F(LspRenameTest, RenamingARegionChangesItsTopologyAndTheWaves) {
  EXPECT_EQ(renameAt(2, "svc-a.pipe", 5, 28, "r-first"),
            result(2, R"({"changes":{")" + uri("base.pipe") + R"(":[)" + edit(10, 29, 34, "r-first") + R"(],")" +
                          uri("svc-a.pipe") + R"(":[)" + edit(5, 26, 31, "r-first") + R"(],")" + uri("topo.pipe") +
                          R"(":[)" + edit(1, 9, 14, "r-first") + "]}}"));
}

TEST_F(LspRenameTest, RenameRefusesBadAndTakenNames) {
  EXPECT_EQ(renameAt(2, "svc-a.pipe", 2, 24, "9lives"),
            failure(2,
                    "cannot rename `Base`: `9lives` is not a name: a name starts with a letter or `_` and has "
                    "letters, digits, `_` and `-`"));
  EXPECT_EQ(renameAt(3, "svc-a.pipe", 2, 24, "rest"), failure(3, "cannot rename `Base`: `rest` is a keyword"));
  EXPECT_EQ(renameAt(4, "svc-a.pipe", 2, 24, "Other"),
            failure(4, "cannot rename `Base`: a declaration named `Other` already exists (base.pipe:14)"));
  EXPECT_EQ(renameAt(5, "svc-a.pipe", 4, 15, "severe"),
            failure(5, "cannot rename `high`: an alarm or metric named `severe` already exists (base.pipe:8)"));
  EXPECT_EQ(renameAt(6, "svc-a.pipe", 5, 28, "r-two"),
            failure(6, "cannot rename `r-one`: a region named `r-two` already exists (topo.pipe:3)"));
  EXPECT_EQ(renameAt(7, "svc-a.pipe", 1, 0, "x"),
            failure(7, "there is no template, alarm, metric or region to rename here"));
  EXPECT_EQ(answer(8, "textDocument/prepareRename", at("svc-a.pipe", 1, 0)), result(8, "null"));
  // The standard library is not the project's to rename.
  open("std.pipe", "import \"std/aws\"\n\ntemplate T {\n  topology = aws\n}\n");
  EXPECT_EQ(answer(9, "textDocument/prepareRename", at("std.pipe", 3, 14)),
            failure(9, "`aws` is declared in the standard library"));
}

}  // namespace
