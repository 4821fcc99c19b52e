// `pipec lsp`: JSON-RPC transcripts replayed against the real binary, with
// the exact responses expected (llvm::json prints object keys sorted).
// Positions are 0-based lines and UTF-16 characters, as LSP counts them.
#include "LspFixture.h"

namespace {

using namespace lsptest;
namespace fs = std::filesystem;

const std::string kBroken =
    "template T {\n  deploy { run = \"x\" }\n  alarms { high = requests > 1 }\n}\n"
    "pipeline P extends Tx {\n  artifact=\"a\"\n}\n";

TEST_F(LspTest, DiagnosticsOnOpenChangeAndClose) {
  EXPECT_EQ(
      open("a.pipe", kBroken),
      R"({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"diagnostics":[{"code":"R101","message":"unknown template `Tx`\nhelp: did you mean `T`?","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}},"severity":1,"source":"pipec"}],"uri":")" +
          uri("a.pipe") + R"("}})");
  // Another mistake: the diagnostics follow the text, with columns in UTF-16 after a non-BMP character.
  EXPECT_EQ(
      change("a.pipe", 2, "// 🚀\ntemplate T {\n  /* 🚀 */ artefact = \"x\"\n}\n"),
      R"J({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"diagnostics":[{"code":"R107","message":"unknown attribute `artefact` in a template (did you mean `artifact`?)","range":{"end":{"character":19,"line":2},"start":{"character":11,"line":2}},"severity":1,"source":"pipec"}],"uri":")J" +
          uri("a.pipe") + R"("}})");
  EXPECT_EQ(change("a.pipe", 3, "template T {\n}\n"), noDiagnostics("a.pipe"));
  client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":")" +
                   uri("a.pipe") + R"("}}})");
  EXPECT_EQ(client_->receive(), noDiagnostics("a.pipe"));
}

// Typing sends a change per keystroke: a burst is compiled once, for its last
// text, when the typing pauses; a request in the middle is answered from the
// text as it is then, after its diagnostics.
TEST_F(LspTest, DiagnosticsOfABurstOfChangesAreDebounced) {
  EXPECT_EQ(open("a.pipe", "template T {\n}\n"), noDiagnostics("a.pipe"));
  auto didChange = [&](int version, const std::string& text) {
    std::string body = R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":")" +
                       uri("a.pipe") + R"(","version":)" + std::to_string(version) + R"(},"contentChanges":[{"text":)" +
                       jsonString(text) + "}]}}";
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  client_->sendBytes(didChange(2, "template T {\n  a\n}\n") + didChange(3, "template T {\n  ar\n}\n") +
                     didChange(4, "template T {\n  artefact = \"x\"\n}\n"));
  std::string published = client_->receive();
  EXPECT_NE(published.find("unknown attribute `artefact`"), std::string::npos) << published;
  // Nothing for the intermediate texts: the next message answers the next request.
  EXPECT_EQ(request(7, "textDocument/documentSymbol", R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("}})")
                .find(R"("id":7)"),
            1u);

  // A request right after a change: the fresh diagnostics come first, then the answer.
  client_->sendBytes(didChange(5, "template T {\n}\n"));
  client_->sendRaw(
      R"({"jsonrpc":"2.0","id":8,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":")" +
      uri("a.pipe") + R"("}}})");
  EXPECT_EQ(client_->receive(), noDiagnostics("a.pipe"));
  EXPECT_NE(client_->receive().find(R"("id":8)"), std::string::npos);
}

TEST_F(LspTest, Formatting) {
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(2, "textDocument/formatting",
              R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("},"options":{"tabSize":2,"insertSpaces":true}})"),
      R"({"id":2,"jsonrpc":"2.0","result":[{"newText":"template T {\n  deploy { run = \"x\" }\n  alarms { high = requests > 1 }\n}\n\npipeline P extends Tx {\n  artifact = \"a\"\n}\n","range":{"end":{"character":0,"line":8},"start":{"character":0,"line":0}}}]})");
}

TEST_F(LspTest, DocumentSymbols) {
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(3, "textDocument/documentSymbol", R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("}})"),
      R"({"id":3,"jsonrpc":"2.0","result":[{"children":[{"children":[{"children":[],"kind":24,"name":"high","range":{"end":{"character":30,"line":2},"start":{"character":11,"line":2}},"selectionRange":{"end":{"character":15,"line":2},"start":{"character":11,"line":2}}}],"kind":3,"name":"alarms","range":{"end":{"character":32,"line":2},"start":{"character":2,"line":2}},"selectionRange":{"end":{"character":8,"line":2},"start":{"character":2,"line":2}}}],"detail":"template","kind":11,"name":"T","range":{"end":{"character":1,"line":3},"start":{"character":0,"line":0}},"selectionRange":{"end":{"character":10,"line":0},"start":{"character":9,"line":0}}},{"children":[],"detail":"pipeline","kind":5,"name":"P","range":{"end":{"character":1,"line":6},"start":{"character":0,"line":4}},"selectionRange":{"end":{"character":10,"line":4},"start":{"character":9,"line":4}}}]})");
}

TEST_F(LspTest, HoverOnABlockNameShowsTheSchemaDoc) {
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(4, "textDocument/hover", at("a.pipe", 1, 3)),
      R"J({"id":4,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**deploy** (block of a template): required: the command the runtime calls per batch (`run`, `rollback`, `timeout`)"},"range":{"end":{"character":8,"line":1},"start":{"character":2,"line":1}}}})J");
}

TEST_F(LspTest, HoverOnACodeShowsItsExplanation) {
  open("a.pipe", "// S204 is why the batch is 33%\ntemplate T {\n}\n");
  std::string explanation = readFile(fs::path(PIPE_SOURCE_DIR) / "compiler/diag/explanations/S204.md");
  ASSERT_NE(explanation.find("# S204"), std::string::npos);
  EXPECT_EQ(
      request(5, "textDocument/hover", at("a.pipe", 0, 5)),
      R"({"id":5,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":)" + jsonString(explanation) + "}}}");
  // A word that only looks like a code has no explanation.
  open("b.pipe", "// S999\n");
  EXPECT_EQ(request(6, "textDocument/hover", at("b.pipe", 0, 4)), R"({"id":6,"jsonrpc":"2.0","result":null})");
}

// A topology, a template in another file, and a pipeline that extends it.
const std::string kTopology =
    "topology small {\n"
    "  region r-one { zones = [z1]      traffic = 10% }\n"
    "  region r-two { zones = [z2, z3]  traffic = 90% }\n"
    "}\n"
    "\n"
    "topology other {\n"
    "  region x-one { zones = [x1]  traffic = 100% }\n"
    "}\n";

const std::string kBase =
    "import \"topo.pipe\"\n"                       // 0
    "\n"                                           // 1
    "template Base {\n"                            // 2
    "  topology = small\n"                         // 3
    "  metrics {\n"                                // 4
    "    errors   = prometheus(\"e\", percent)\n"  // 5
    "    requests = prometheus(\"r\", count)\n"    // 6
    "  }\n"                                        // 7
    "  alarms {\n"                                 // 8
    "    high_errors = errors > 1% for 3 of 5\n"   // 9
    "    severe      = high_errors\n"              // 10
    "  }\n"                                        // 11
    "  rollback_on = severe\n"                     // 12
    "  prod {\n"                                   // 13
    "    wave 1 {\n"                               // 14
    "      regions = [r-one]\n"                    // 15
    "      bake    = 12h\n"                        // 16
    "    }\n"                                      // 17
    "  }\n"                                        // 18
    "}\n";

const std::string kService =
    "import \"base.pipe\"\n"                                      // 0
    "\n"                                                          // 1
    "pipeline Svc extends Base {\n"                               // 2
    "  artifact = \"svc\"\n"                                      // 3
    "  alarms {\n"                                                // 4
    "    quiet  = requests < 1\n"                                 // 5
    "    severe = super.severe or quiet\n"                        // 6
    "  }\n"                                                       // 7
    "  block_on = [severe, ]\n"                                   // 8
    "  stage gamma {\n"                                           // 9
    "    regions = []\n"                                          // 10
    "  }\n"                                                       // 11
    "  prod {\n"                                                  // 12
    "    wave 1 { bake = 14h  min_traffic = requests >= 100 }\n"  // 13
    "    wave 2 { regions = [] }\n"                               // 14
    "  }\n"                                                       // 15
    "}\n";

class LspInheritanceTest : public LspTest {
 protected:
  void SetUp() override {
    LspTest::SetUp();
    write("topo.pipe", kTopology);
    write("base.pipe", kBase);
  }
};

TEST_F(LspInheritanceTest, CompletionOfRegionsFromThePipelinesTopology) {
  open("svc.pipe", kService);
  const std::string smallRegions =
      R"J({"detail":"region of `small`: 10% of traffic, 1 zone","kind":20,"label":"r-one"},{"detail":"region of `small`: 90% of traffic, 2 zones","kind":20,"label":"r-two"})J";
  // In a wave: the regions of `small` (not of `other`) and `rest`.
  EXPECT_EQ(
      request(2, "textDocument/completion", at("svc.pipe", 14, 24)),
      R"J({"id":2,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[)J" + smallRegions +
          R"J(,{"detail":"every region of the topology not named by an earlier wave","kind":14,"label":"rest"}]}})J");
  // In a stage: the regions only.
  EXPECT_EQ(request(3, "textDocument/completion", at("svc.pipe", 10, 15)),
            R"J({"id":3,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[)J" + smallRegions + "]}}");
  // While the list is being typed and does not parse.
  std::string typing = kService;
  typing.replace(typing.find("regions = []\n  }"), 12, "regions = [r-");
  change("svc.pipe", 2, typing);
  EXPECT_EQ(request(4, "textDocument/completion", at("svc.pipe", 10, 17)),
            R"J({"id":4,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[)J" + smallRegions + "]}}");
}

TEST_F(LspInheritanceTest, CompletionOfAlarmAndMetricNamesOfTheMergedPipeline) {
  open("svc.pipe", kService);
  const std::string highErrors = R"J({"detail":"alarm: errors > 1% for 3 of 5","kind":23,"label":"high_errors"})J";
  const std::string severe = R"J({"detail":"alarm: high_errors or quiet","kind":23,"label":"severe"})J";
  const std::string quiet = R"J({"detail":"alarm: requests < 1","kind":23,"label":"quiet"})J";
  const std::string metrics =
      R"J({"detail":"metric: prometheus(\"e\", percent)","kind":6,"label":"errors"},{"detail":"metric: prometheus(\"r\", count)","kind":6,"label":"requests"})J";
  auto items = [](int id, const std::string& list) {
    return R"({"id":)" + std::to_string(id) + R"(,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[)" + list +
           "]}}";
  };
  // `block_on` takes alarms: the template's and the pipeline's own.
  EXPECT_EQ(request(2, "textDocument/completion", at("svc.pipe", 8, 22)),
            items(2, highErrors + "," + severe + "," + quiet));
  // An alarm's expression takes other alarms and the metrics.
  EXPECT_EQ(request(3, "textDocument/completion", at("svc.pipe", 5, 13)),
            items(3, highErrors + "," + severe + "," + metrics));
  // `min_traffic` takes a metric.
  EXPECT_EQ(request(4, "textDocument/completion", at("svc.pipe", 13, 40)), items(4, metrics));
  // `rollback_on`, still empty, takes alarms and metrics.
  std::string typing = kService;
  typing.replace(typing.find("  block_on"), 0, "  rollback_on = \n");
  change("svc.pipe", 2, typing);
  EXPECT_EQ(request(5, "textDocument/completion", at("svc.pipe", 8, 16)),
            items(5, highErrors + "," + severe + "," + quiet + "," + metrics));
}

TEST_F(LspTest, CompletionOfPolicyTopologyKindAndTemplateNames) {
  // The prelude's policies and the project's, while `policy =` has no value yet.
  open("a.pipe",
       "policy org extends strict {\n}\n\ntopology t {\n}\n\ntemplate T {\n  policy = \n  topology = t\n  kind = "
       "code\n}\n\npipeline P extends \n");
  EXPECT_EQ(
      request(2, "textDocument/completion", at("a.pipe", 7, 11)),
      R"({"id":2,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"policy in a.pipe","kind":18,"label":"org"},{"detail":"policy in std/policy.pipe","kind":18,"label":"relaxed"},{"detail":"policy in std/policy.pipe","kind":18,"label":"strict"}]}})");
  EXPECT_EQ(
      request(3, "textDocument/completion", at("a.pipe", 8, 13)),
      R"({"id":3,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"topology in a.pipe","kind":18,"label":"t"}]}})");
  EXPECT_EQ(
      request(4, "textDocument/completion", at("a.pipe", 9, 9)),
      R"({"id":4,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"kind","kind":20,"label":"code"},{"detail":"kind","kind":20,"label":"config"},{"detail":"kind","kind":20,"label":"infrastructure"},{"detail":"kind","kind":20,"label":"os"},{"detail":"kind","kind":20,"label":"tools"}]}})");
  EXPECT_EQ(
      request(5, "textDocument/completion", at("a.pipe", 12, 19)),
      R"({"id":5,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"template in a.pipe","kind":18,"label":"T"}]}})");
}

// `execution_mode` is completed and documented like `kind`: its names from
// the schema, its meaning and inherited value on hover.
TEST_F(LspTest, ExecutionModeValuesAreCompletedAndHovered) {
  write("base.pipe", "template Base {\n  execution_mode = queued\n}\n");
  open("svc.pipe", "import \"base.pipe\"\n\ntemplate Svc extends Base {\n  execution_mode = \n}\n");
  EXPECT_EQ(
      request(2, "textDocument/completion", at("svc.pipe", 3, 19)),
      R"({"id":2,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"execution_mode","kind":20,"label":"superseded"},{"detail":"execution_mode","kind":20,"label":"queued"}]}})");
  change("svc.pipe", 2, "import \"base.pipe\"\n\ntemplate Svc extends Base {\n  execution_mode = superseded\n}\n");
  EXPECT_EQ(
      request(3, "textDocument/hover", at("svc.pipe", 3, 4)),
      R"J({"id":3,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**execution_mode** (attribute of a template): `superseded` (default) or `queued`: versions waiting to enter the first stage under `piperun serve`; the newest replaces the others, or every one runs in submission order\n\ntemplate `Svc` ends up with `execution_mode = superseded`, set by template `Svc` at svc.pipe:4 (over `queued` from template `Base` at base.pipe:2)"},"range":{"end":{"character":16,"line":3},"start":{"character":2,"line":3}}}})J");
}

TEST_F(LspTest, CompletionOfMembersFromTheSchema) {
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(5, "textDocument/completion", at("a.pipe", 1, 11)),
      R"J({"id":5,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"string: the command run for each batch","kind":10,"label":"run"},{"detail":"string: the rollback command (default: `run` with the last good version)","kind":10,"label":"rollback"},{"detail":"duration: a batch that takes longer fails","kind":10,"label":"timeout"},{"detail":"duration, default 5m: what a batch usually takes (plan analysis)","kind":10,"label":"expected"},{"detail":"duration, default 2m: what a rollback usually takes (plan analysis)","kind":10,"label":"rollback_time"}]}})J");
  // In a comment or a string: nothing.
  open("b.pipe", "template T {\n  // wave \n  deploy { run = \"sc\" }\n}\n");
  EXPECT_EQ(request(6, "textDocument/completion", at("b.pipe", 1, 9)),
            R"({"id":6,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[]}})");
  EXPECT_EQ(request(7, "textDocument/completion", at("b.pipe", 2, 19)),
            R"({"id":7,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[]}})");
  // Braces, `=` and quotes in strings and comments before the cursor are not syntax.
  open("c.pipe", "template T {\n  deploy { run = \"echo \\\" } = {\" }  // } {\n  policy = /* } { */ \n}\n");
  EXPECT_EQ(
      request(8, "textDocument/completion", at("c.pipe", 2, 21)),
      R"({"id":8,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"policy in std/policy.pipe","kind":18,"label":"relaxed"},{"detail":"policy in std/policy.pipe","kind":18,"label":"strict"}]}})");
}

TEST_F(LspInheritanceTest, HoverShowsTheMergedValueAndWhereItWasSet) {
  open("svc.pipe", kService);
  // An attribute the pipeline overrides: its value, and the template's under it.
  EXPECT_EQ(
      request(2, "textDocument/hover", at("svc.pipe", 13, 14)),
      R"J({"id":2,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**bake** (attribute of a wave): duration: bake after the whole wave\n\npipeline `Svc` ends up with `bake = 14h`, set by pipeline `Svc` at svc.pipe:14 (over `12h` from template `Base` at base.pipe:17)"},"range":{"end":{"character":17,"line":13},"start":{"character":13,"line":13}}}})J");
  // On the value of an alarm built on `super`: the merged expression.
  EXPECT_EQ(
      request(3, "textDocument/hover", at("svc.pipe", 6, 20)),
      R"J({"id":3,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"pipeline `Svc` ends up with `severe = high_errors or quiet`, set by pipeline `Svc` at svc.pipe:7 (over `high_errors` from template `Base` at base.pipe:11)"},"range":{"end":{"character":34,"line":6},"start":{"character":13,"line":6}}}})J");

  // In the template: its own value, and what the open pipelines do with it.
  open("base.pipe", kBase);
  EXPECT_EQ(
      request(4, "textDocument/hover", at("base.pipe", 16, 7)),
      R"J({"id":4,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**bake** (attribute of a wave): duration: bake after the whole wave\n\ntemplate `Base` ends up with `bake = 12h`, set by template `Base` at base.pipe:17\n\nOverridden by pipeline `Svc` with `14h` at svc.pipe:14"},"range":{"end":{"character":10,"line":16},"start":{"character":6,"line":16}}}})J");
  EXPECT_EQ(
      request(5, "textDocument/hover", at("base.pipe", 15, 7)),
      R"J({"id":5,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**regions** (attribute of a wave): list of regions, or `rest` (only in the last wave)\n\ntemplate `Base` ends up with `regions = [r-one]`, set by template `Base` at base.pipe:16\n\nInherited by pipeline `Svc`"},"range":{"end":{"character":13,"line":15},"start":{"character":6,"line":15}}}})J");
}

TEST_F(LspInheritanceTest, HoverShowsTheParentsValueWhenAFinalOneWins) {
  write("base.pipe", "template Base {\n  final policy = strict\n}\n");
  open("svc.pipe", "import \"base.pipe\"\n\ntemplate Svc extends Base {\n  policy = relaxed\n}\n");
  EXPECT_EQ(
      request(2, "textDocument/hover", at("svc.pipe", 3, 4)),
      R"J({"id":2,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**policy** (attribute of a template): ref, default `strict`: the thresholds the checks enforce\n\ntemplate `Svc` ends up with `final policy = strict`, set by template `Base` at base.pipe:2"},"range":{"end":{"character":8,"line":3},"start":{"character":2,"line":3}}}})J");
}

TEST_F(LspTest, DefinitionAcrossFiles) {
  write("base.pipe", "template Base {\n  artifact = \"a\"\n}\n");
  open("a.pipe", "import \"base.pipe\"\npipeline P extends Base {\n}\n");
  EXPECT_EQ(
      request(7, "textDocument/definition", at("a.pipe", 1, 20)),
      R"({"id":7,"jsonrpc":"2.0","result":{"range":{"end":{"character":13,"line":0},"start":{"character":9,"line":0}},"uri":")" +
          uri("base.pipe") + R"("}})");
  EXPECT_EQ(
      request(8, "textDocument/definition", at("a.pipe", 0, 10)),
      R"({"id":8,"jsonrpc":"2.0","result":{"range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}},"uri":")" +
          uri("base.pipe") + R"("}})");
}

TEST_F(LspInheritanceTest, DefinitionOfAlarmsMetricsAndSuper) {
  open("svc.pipe", kService);
  auto location = [&](int id, const std::string& file, int line, int from, int to) {
    return R"({"id":)" + std::to_string(id) + R"(,"jsonrpc":"2.0","result":{"range":{"end":{"character":)" +
           std::to_string(to) + R"(,"line":)" + std::to_string(line) + R"(},"start":{"character":)" +
           std::to_string(from) + R"(,"line":)" + std::to_string(line) + R"(}},"uri":")" + uri(file) + R"("}})";
  };
  // `super.severe`: the template's alarm; `severe` in `block_on`: the pipeline's, which overrides it.
  EXPECT_EQ(request(2, "textDocument/definition", at("svc.pipe", 6, 20)), location(2, "base.pipe", 10, 4, 10));
  EXPECT_EQ(request(3, "textDocument/definition", at("svc.pipe", 8, 15)), location(3, "svc.pipe", 6, 4, 10));
  // A metric in an expression, declared by the template.
  EXPECT_EQ(request(4, "textDocument/definition", at("svc.pipe", 5, 15)), location(4, "base.pipe", 6, 4, 12));
  // A region and a topology, in a third file.
  open("base.pipe", kBase);
  EXPECT_EQ(request(5, "textDocument/definition", at("base.pipe", 15, 19)), location(5, "topo.pipe", 1, 9, 14));
  EXPECT_EQ(request(6, "textDocument/definition", at("base.pipe", 3, 14)), location(6, "topo.pipe", 0, 9, 14));
}

TEST_F(LspTest, DefinitionIntoTheStandardLibrary) {
  open("a.pipe",
       "import \"std/aws\"\n\ntemplate T {\n  topology = aws\n  prod { wave 1 { regions = [us-west-1] } }\n}\n");
  fs::path aws = fs::weakly_canonical(fs::path(PIPE_SOURCE_DIR) / "stdlib/aws.pipe");
  std::string text = readFile(aws);
  std::string awsUri = "file://" + aws.string();
  EXPECT_EQ(
      request(2, "textDocument/definition", at("a.pipe", 0, 10)),
      R"({"id":2,"jsonrpc":"2.0","result":{"range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}},"uri":")" +
          awsUri + R"("}})");
  int topology = lineOf(text, "topology aws {");
  EXPECT_EQ(request(3, "textDocument/definition", at("a.pipe", 3, 14)),
            R"({"id":3,"jsonrpc":"2.0","result":{"range":{"end":{"character":12,"line":)" + std::to_string(topology) +
                R"(},"start":{"character":9,"line":)" + std::to_string(topology) + R"(}},"uri":")" + awsUri + R"("}})");
  int region = lineOf(text, "region us-west-1 {");
  EXPECT_EQ(request(4, "textDocument/definition", at("a.pipe", 4, 30)),
            R"({"id":4,"jsonrpc":"2.0","result":{"range":{"end":{"character":18,"line":)" + std::to_string(region) +
                R"(},"start":{"character":9,"line":)" + std::to_string(region) + R"(}},"uri":")" + awsUri + R"("}})");
}

TEST_F(LspTest, TheStdlibOptionChoosesTheStandardLibrary) {
  fs::create_directories(directory_ / "mystd");
  write("mystd/policy.pipe", "policy house {\n}\n");
  write("mystd/aws.pipe", "topology aws {\n  region moon-1 { zones = [m1]  traffic = 100% }\n}\n");
  start({"--stdlib", (directory_ / "mystd").string()});
  open("a.pipe",
       "import \"std/aws\"\n\ntemplate T {\n  topology = aws\n  policy = house\n  stage s { regions = [] }\n}\n");
  EXPECT_EQ(
      request(2, "textDocument/definition", at("a.pipe", 0, 10)),
      R"({"id":2,"jsonrpc":"2.0","result":{"range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}},"uri":")" +
          uri("mystd/aws.pipe") + R"("}})");
  EXPECT_EQ(
      request(3, "textDocument/completion", at("a.pipe", 5, 23)),
      R"J({"id":3,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"region of `aws`: 100% of traffic, 1 zone","kind":20,"label":"moon-1"}]}})J");
  EXPECT_EQ(
      request(4, "textDocument/completion", at("a.pipe", 4, 11)),
      R"({"id":4,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"policy in std/policy.pipe","kind":18,"label":"house"}]}})");
}

// `std/../x` is refused before reading (issue 12 §4): the editor gets R104 and
// no byte of the outside file, and go-to-definition on the import goes nowhere.
TEST_F(LspTest, AnImportLeavingTheStandardLibraryGoesNowhere) {
  fs::create_directories(directory_ / "mystd");
  write("mystd/policy.pipe", "policy house {\n}\n");
  fs::create_directories(directory_ / "outside");
  write("outside/secret.pipe", "template Leaky { artifact = \"SECRET-ARTIFACT-777\" }\nSECRET-LINE-888 {\n");
  start({"--stdlib", (directory_ / "mystd").string()});
  std::string published = open("a.pipe", "import \"std/../outside/secret\"\n");
  EXPECT_NE(published.find("\"code\":\"R104\""), std::string::npos) << published;
  EXPECT_EQ(published.find("SECRET"), std::string::npos) << published;
  EXPECT_EQ(request(2, "textDocument/definition", at("a.pipe", 0, 10)), R"({"id":2,"jsonrpc":"2.0","result":null})");
}

TEST_F(LspTest, CodeActionFromAFixIt) {
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(
          6, "textDocument/codeAction",
          R"({"textDocument":{"uri":")" + uri("a.pipe") +
              R"("},"range":{"start":{"line":4,"character":19},"end":{"line":4,"character":21}},"context":{"diagnostics":[]}})"),
      R"({"id":6,"jsonrpc":"2.0","result":[{"diagnostics":[{"code":"R101","message":"unknown template `Tx`","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}}}],"edit":{"changes":{")" +
          uri("a.pipe") +
          R"(":[{"newText":"T","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}}}]}},"isPreferred":true,"kind":"quickfix","title":"replace with `T`"}]})");
}

TEST_F(LspTest, MalformedRequestsGetErrorsAndTheServerStaysAlive) {
  client_->sendRaw("{not json");
  EXPECT_EQ(
      client_->receive(),
      R"({"error":{"code":-32700,"message":"invalid JSON: [1:2, byte=2]: Expected object key"},"id":null,"jsonrpc":"2.0"})");
  client_->sendBytes("Content-Type: text/plain\r\n\r\n");
  EXPECT_EQ(
      client_->receive(),
      R"({"error":{"code":-32700,"message":"missing or invalid Content-Length header"},"id":null,"jsonrpc":"2.0"})");
  client_->sendRaw(R"({"jsonrpc":"2.0","id":9})");
  EXPECT_EQ(
      client_->receive(),
      R"({"error":{"code":-32600,"message":"not a JSON-RPC 2.0 request or notification"},"id":9,"jsonrpc":"2.0"})");
  client_->sendRaw(R"([1,2])");
  EXPECT_EQ(
      client_->receive(),
      R"({"error":{"code":-32600,"message":"not a JSON-RPC 2.0 request or notification"},"id":null,"jsonrpc":"2.0"})");
  client_->sendRaw(R"({"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"})");
  EXPECT_EQ(
      client_->receive(),
      R"({"error":{"code":-32600,"message":"a request id must be a string or a number"},"id":null,"jsonrpc":"2.0"})");
  EXPECT_EQ(request(10, "nope", "{}"),
            R"({"error":{"code":-32601,"message":"unknown method `nope`"},"id":10,"jsonrpc":"2.0"})");
  EXPECT_EQ(request(11, "textDocument/hover", "[1,2]"),
            R"({"error":{"code":-32602,"message":"missing textDocument.uri"},"id":11,"jsonrpc":"2.0"})");
  EXPECT_EQ(request(12, "textDocument/hover", at("nowhere.pipe", 0, 0)),
            R"({"error":{"code":-32602,"message":"document not open: )" + uri("nowhere.pipe") +
                R"("},"id":12,"jsonrpc":"2.0"})");
  open("a.pipe", kBroken);
  EXPECT_EQ(
      request(13, "textDocument/completion", at("a.pipe", -1, 0)),
      R"({"error":{"code":-32602,"message":"a position needs a `line` and a `character`, integers from 0"},"id":13,"jsonrpc":"2.0"})");
  EXPECT_EQ(
      request(14, "textDocument/hover",
              R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("},"position":{"line":"x","character":[]}})"),
      R"({"error":{"code":-32602,"message":"a position needs a `line` and a `character`, integers from 0"},"id":14,"jsonrpc":"2.0"})");
  // Past the end of the file: nothing there, no error.
  EXPECT_EQ(request(15, "textDocument/hover", at("a.pipe", 500, 99999)), R"({"id":15,"jsonrpc":"2.0","result":null})");
  EXPECT_EQ(request(16, "shutdown", "null"), R"({"id":16,"jsonrpc":"2.0","result":null})");
  client_->sendRaw(R"({"jsonrpc":"2.0","method":"exit"})");
  EXPECT_EQ(client_->waitForExit(), 0);
}

// Found while writing the LSP fuzz target: a buffer whose URI names a folder made
// the server compile every file below it (`file:///`: the whole disk).
TEST_F(LspTest, ABufferThatNamesAFolderIsNotOpened) {
  for (const std::string& folder : {std::string("file:///"), uri(""), std::string("file://")}) {
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" + folder +
                     R"(","languageId":"pipe","version":1,"text":"template T {\n}\n"}}})");
    EXPECT_EQ(request(2, "textDocument/hover",
                      R"({"textDocument":{"uri":")" + folder + R"("},"position":{"line":0,"character":10}})"),
              R"({"error":{"code":-32602,"message":"document not open: )" + folder + R"("},"id":2,"jsonrpc":"2.0"})");
  }
}

TEST_F(LspTest, RequestsBeforeInitializeAreRefused) {
  client_ = std::make_unique<LspClient>(directory_, std::vector<std::string>{});
  EXPECT_EQ(request(1, "textDocument/hover", at("a.pipe", 0, 0)),
            R"({"error":{"code":-32002,"message":"the server was not initialized"},"id":1,"jsonrpc":"2.0"})");
}

// The "add import" help's project scan is kept between compilations (one scan
// per pause in typing would cost ~30 ms per 1,000 files, bench/lsp_edit.py),
// but a file created on disk is seen once the editor says files may have
// changed (here: a save).
TEST_F(LspTest, AddImportHelpSeesAFileCreatedOnDiskAfterASave) {
  const std::string svc = "pipeline Svc extends Base {\n  artifact = \"a\"\n}\n";
  std::string opened = open("svc.pipe", svc);
  EXPECT_NE(opened.find("unknown template `Base`"), std::string::npos) << opened;
  EXPECT_EQ(opened.find("add `import"), std::string::npos) << opened;
  std::string typed = change("svc.pipe", 2, svc + "\n");
  EXPECT_EQ(typed.find("add `import"), std::string::npos) << typed;

  fs::create_directories(directory_ / "t");
  write("t/base.pipe", "template Base {\n}\n");
  client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didSave","params":{"textDocument":{"uri":")" +
                   uri("t/base.pipe") + R"("}}})");
  std::string after = change("svc.pipe", 3, svc);
  EXPECT_NE(
      after.find(
          R"(help: template `Base` is declared in a file this one does not import: add `import \"t/base.pipe\"`)"),
      std::string::npos)
      << after;
}

}  // namespace
