#include "compiler/lsp/Server.h"

#include "compiler/format/Formatter.h"
#include "compiler/lsp/Document.h"
#include "compiler/lsp/Features.h"
#include "compiler/lsp/Positions.h"
#include "compiler/lsp/References.h"
#include "compiler/lsp/Transport.h"
#include "compiler/plan/BoundedJson.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>

namespace pipelang::lsp {

namespace json = llvm::json;
namespace fs = std::filesystem;

namespace {

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602,
              kInternalError = -32603, kServerNotInitialized = -32002, kRequestFailed = -32803;

// Editors send a change per keystroke; a burst of changes is compiled once,
// when the typing pauses this long (or when a request needs the result).
constexpr auto kDebounce = std::chrono::milliseconds(200);

struct RequestError {
  int code;
  std::string message;
};

std::string canonicalPath(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : canonical.string();
}

class Server {
 public:
  Server(std::FILE* in, std::FILE* out, const ServerOptions& options)
      : in_(in), out_(out), root_(options.root), stdlib_(options.stdlib), rootFromCommandLine_(!root_.empty()) {
    std::setvbuf(in_, nullptr, _IONBF, 0);  // so that inputWithin() sees every byte not yet read
  }

  int run() {
    std::string body;
    while (!exited_) {
      if (anyStale()) {
        auto left = kDebounce - (std::chrono::steady_clock::now() - lastChange_);
        auto leftMs = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
        if (leftMs <= 0 || !inputWithin(in_, static_cast<int>(leftMs))) recompileStale();
      }
      ReadStatus status = readMessage(in_, &body);
      if (status == ReadStatus::EndOfInput) break;
      if (status == ReadStatus::BadHeader) {
        sendError(nullptr, kParseError, "missing or invalid Content-Length header");
        continue;
      }
      llvm::Expected<json::Value> message = planformat::parseBoundedJson(body);
      if (!message) {
        sendError(nullptr, kParseError, "invalid JSON: " + llvm::toString(message.takeError()));
        continue;
      }
      handle(*message);
    }
    return exited_ && shutdown_ ? 0 : 1;
  }

 private:
  void send(json::Value message) {
    std::string text;
    llvm::raw_string_ostream stream(text);
    stream << message;
    stream.flush();
    writeMessage(out_, text);
  }

  void sendError(json::Value id, int code, std::string message) {
    send(json::Object{{"jsonrpc", "2.0"},
                      {"id", std::move(id)},
                      {"error", json::Object{{"code", code}, {"message", std::move(message)}}}});
  }

  void handle(const json::Value& message) {
    const json::Object* object = message.getAsObject();
    json::Value id = nullptr;
    if (object && object->get("id")) id = *object->get("id");
    if (id.kind() != json::Value::Null && id.kind() != json::Value::String && id.kind() != json::Value::Number) {
      sendError(nullptr, kInvalidRequest, "a request id must be a string or a number");
      return;
    }
    llvm::Optional<llvm::StringRef> method = object ? object->getString("method") : llvm::None;
    if (!object || !method || object->getString("jsonrpc") != llvm::StringRef("2.0")) {
      if (object && !method && (object->get("result") || object->get("error")))
        return;  // a response to us: none expected
      sendError(id, kInvalidRequest, "not a JSON-RPC 2.0 request or notification");
      return;
    }
    bool isRequest = object->get("id") != nullptr;
    const json::Value* params = object->get("params");
    json::Value noParams = json::Object{};
    const json::Object* p = params && params->getAsObject() ? params->getAsObject() : noParams.getAsObject();
    try {
      if (!isRequest) {
        notification(*method, *p);
        return;
      }
      json::Value result = request(*method, *p);
      send(json::Object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
    } catch (const RequestError& error) {
      if (isRequest) sendError(id, error.code, error.message);
    } catch (const std::exception& error) {
      if (isRequest) sendError(id, kInternalError, error.what());
    }
  }

  json::Value request(llvm::StringRef method, const json::Object& params) {
    if (method == "initialize") {
      initialized_ = true;
      if (auto root = params.getString("rootUri"); root && !rootFromCommandLine_) root_ = uriToPath(*root);
      return json::Object{
          {"capabilities",
           json::Object{{"positionEncoding", "utf-16"},
                        {"textDocumentSync", json::Object{{"openClose", true}, {"change", 1}, {"save", true}}},
                        {"documentFormattingProvider", true},
                        {"documentSymbolProvider", true},
                        {"hoverProvider", true},
                        {"definitionProvider", true},
                        {"referencesProvider", true},
                        {"renameProvider", json::Object{{"prepareProvider", true}}},
                        {"completionProvider", json::Object{{"triggerCharacters", json::Array{}}}},
                        {"codeActionProvider", json::Object{{"codeActionKinds", json::Array{"quickfix"}}}}}},
          {"serverInfo", json::Object{{"name", "pipec"}, {"version", PIPE_VERSION}}}};
    }
    if (!initialized_) throw RequestError{kServerNotInitialized, "the server was not initialized"};
    if (shutdown_) throw RequestError{kInvalidRequest, "the server is shutting down"};
    recompileStale();  // a request answers from the text as it is now
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    if (method == "textDocument/formatting") {
      Document& document = documentOf(params);
      FormatOutcome outcome = formatSource(document.text, document.path);
      if (!outcome.ok || outcome.text == document.text) return json::Array{};
      // One edit replacing the whole buffer: simple, and exact for any client.
      uint32_t lines = static_cast<uint32_t>(std::count(document.text.begin(), document.text.end(), '\n'));
      json::Object end{{"line", static_cast<int64_t>(lines) + 1}, {"character", 0}};
      return json::Array{json::Object{
          {"range", json::Object{{"start", json::Object{{"line", 0}, {"character", 0}}}, {"end", std::move(end)}}},
          {"newText", outcome.text}}};
    }
    if (method == "textDocument/documentSymbol") return documentSymbols(documentOf(params));
    if (method == "textDocument/hover") {
      Document& document = documentOf(params);
      std::vector<const Document*> open;
      for (const auto& [uri, other] : documents_) open.push_back(&other);
      return hover(document, positionOf(document, params), open);
    }
    if (method == "textDocument/definition") {
      Document& document = documentOf(params);
      return definition(document, positionOf(document, params));
    }
    if (method == "textDocument/completion") {
      Document& document = documentOf(params);
      return json::Object{{"isIncomplete", false}, {"items", completion(document, positionOf(document, params))}};
    }
    if (method == "textDocument/codeAction") {
      Document& document = documentOf(params);
      const json::Object* range = params.getObject("range");
      const json::Object* start = range ? range->getObject("start") : nullptr;
      const json::Object* end = range ? range->getObject("end") : nullptr;
      if (!start || !end) throw RequestError{kInvalidParams, "missing range"};
      SourceRange wanted{document.file, fromLsp(document, *start), fromLsp(document, *end)};
      return codeActions(document, wanted);
    }
    if (method == "textDocument/references" || method == "textDocument/prepareRename" ||
        method == "textDocument/rename")
      return projectRequest(method, params);
    throw RequestError{kMethodNotFound, "unknown method `" + method.str() + "`"};
  }

  // References and rename look at every file of the project: the files under
  // the root on disk, with the open buffers instead of their saved text.
  json::Value projectRequest(llvm::StringRef method, const json::Object& params) {
    Document& document = documentOf(params);
    SourceLoc at = positionOf(document, params);
    FrontendOptions options;
    options.root = root_.empty() ? fs::current_path() : fs::path(root_);
    options.inputs.push_back(options.root);
    if (!stdlib_.empty()) options.stdlibDir = stdlib_;
    for (const auto& [uri, open] : documents_) {
      options.overlays[open.path] = open.text;
      options.inputs.emplace_back(open.path);  // also when outside the root or not saved yet
    }
    options.upto = Phase::Parse;
    std::unique_ptr<Compilation> project = Frontend::run(options);
    const SourceManager& sources = project->sources;
    std::optional<ProjectSymbol> symbol = symbolAt(*project, sources.findByPath(document.path), at);
    auto locationOf = [&](SourceRange range) {
      return json::Object{{"uri", pathToUri(sources.file(range.file).path)}, {"range", toLspRange(sources, range)}};
    };
    if (method == "textDocument/references") {
      json::Array locations;
      if (!symbol) return locations;
      const json::Object* context = params.getObject("context");
      bool withDeclaration = !context || context->getBoolean("includeDeclaration").getValueOr(true);
      for (const Occurrence& occurrence : occurrencesOf(*project, *symbol))
        if (withDeclaration || !occurrence.isDefinition) locations.push_back(locationOf(occurrence.range));
      return locations;
    }
    if (method == "textDocument/prepareRename" && !symbol) return nullptr;
    if (!symbol) throw RequestError{kRequestFailed, "there is no template, alarm, metric or region to rename here"};
    if (declaredInStdlib(*project, *symbol))
      throw RequestError{kRequestFailed, "`" + symbol->name + "` is declared in the standard library"};
    if (method == "textDocument/prepareRename")
      return json::Object{{"range", toLspRange(sources, symbol->at)}, {"placeholder", symbol->name}};
    llvm::Optional<llvm::StringRef> newName = params.getString("newName");
    if (!newName) throw RequestError{kInvalidParams, "missing newName"};
    if (std::string problem = renameProblem(*project, *symbol, newName->str()); !problem.empty())
      throw RequestError{kRequestFailed, "cannot rename `" + symbol->name + "`: " + problem};
    std::map<std::string, json::Array> edits;
    for (const Occurrence& occurrence : occurrencesOf(*project, *symbol))
      edits[pathToUri(sources.file(occurrence.range.file).path)].push_back(
          json::Object{{"range", toLspRange(sources, occurrence.range)}, {"newText", newName->str()}});
    json::Object changes;
    for (auto& [uri, list] : edits) changes[uri] = std::move(list);
    return json::Object{{"changes", std::move(changes)}};
  }

  void notification(llvm::StringRef method, const json::Object& params) {
    if (method == "exit") {
      exited_ = true;
      return;
    }
    if (!initialized_) return;
    // Files may have been created, renamed or deleted: the "add import" help
    // scans the project again when it next needs to.
    if (method == "textDocument/didOpen" || method == "textDocument/didClose" || method == "textDocument/didSave" ||
        method == "workspace/didChangeWatchedFiles")
      projectIndexes_.clear();
    const json::Object* item = params.getObject("textDocument");
    llvm::Optional<llvm::StringRef> uri = item ? item->getString("uri") : llvm::None;
    if (!uri) return;
    if (method == "textDocument/didOpen") {
      // A buffer is a file: a URI naming a folder (`file:///`) would make
      // the compiler read every file below it.
      std::string path = canonicalPath(uriToPath(*uri));
      std::error_code ec;
      if (uriToPath(*uri).empty() || fs::is_directory(path, ec)) return;
      Document& document = documents_[uri->str()];
      document.uri = uri->str();
      document.path = path;
      document.text = item->getString("text").getValueOr("").str();
      // A new buffer can stand in for a file others import or miss (R103):
      // every open file is compiled again, and published when it changed.
      for (auto& [otherUri, other] : documents_) other.stale = true;
      recompileStale(&document);
    } else if (method == "textDocument/didChange") {
      auto found = documents_.find(uri->str());
      const json::Array* changes = params.getArray("contentChanges");
      if (found == documents_.end() || !changes || changes->empty()) return;
      // Full sync: the last change holds the whole text.
      const json::Object* last = changes->back().getAsObject();
      if (!last || !last->getString("text")) return;
      found->second.text = last->getString("text")->str();
      markChanged(found->second);  // compiled when the typing pauses (see run())
      lastChange_ = std::chrono::steady_clock::now();
    } else if (method == "textDocument/didClose") {
      auto found = documents_.find(uri->str());
      if (found == documents_.end()) return;
      std::string path = found->second.path;
      markDependents(path);  // they read the file from disk again
      documents_.erase(found);
      publish(uri->str(), json::Array{});
      recompileStale();
    }
  }

  bool anyStale() const {
    return std::any_of(documents_.begin(), documents_.end(), [](const auto& entry) { return entry.second.stale; });
  }

  // `document` changed: it is compiled again, and so is every open file
  // whose last compilation read it (directly or through other imports).
  void markChanged(Document& document) {
    document.stale = true;
    document.publishAlways = true;
    markDependents(document.path);
  }

  void markDependents(const std::string& path) {
    for (auto& [uri, other] : documents_)
      if (other.compilation && other.compilation->sources.findByPath(path) != kNoFile) other.stale = true;
  }

  // Compiles every stale buffer; publishes the diagnostics of `first` (and of
  // every edited buffer) always, of the other buffers and of the files they
  // import that are not open only when they changed.
  void recompileStale(Document* first = nullptr) {
    if (first && first->stale) {
      first->publishAlways = true;
      recompile(*first);
    }
    for (auto& [uri, document] : documents_)
      if (document.stale) recompile(document);
    publishImported();
  }

  void recompile(Document& document) {
    document.stale = false;
    FrontendOptions options;
    options.inputs.emplace_back(document.path);
    if (!root_.empty()) options.root = root_;
    if (!stdlib_.empty()) options.stdlibDir = stdlib_;
    for (const auto& [uri, open] : documents_) options.overlays[open.path] = open.text;
    options.projectIndexes = &projectIndexes_;  // not one scan per pause in typing
    document.compilation = Frontend::run(options);
    document.file = document.compilation->sources.findByPath(document.path);
    json::Array diagnostics = diagnosticsOf(*document.compilation, document.file, openPaths());
    if (document.publishAlways)
      publish(document.uri, std::move(diagnostics));
    else
      publishIfChanged(document.uri, std::move(diagnostics));
    document.publishAlways = false;
  }

  std::set<std::string> openPaths() const {
    std::set<std::string> paths;
    for (const auto& [uri, document] : documents_) paths.insert(document.path);
    return paths;
  }

  // The files that open buffers import but that are not open get what
  // `pipec check` reports in them (for example a parse error), under their
  // own URI; once no open buffer imports them, an empty list.
  void publishImported() {
    std::set<std::string> open = openPaths();
    std::map<std::string, json::Array> now;  // path -> diagnostics
    for (const auto& [uri, document] : documents_) {
      if (!document.compilation) continue;
      const SourceManager& sources = document.compilation->sources;
      for (const LoadedFile& loaded : document.compilation->files) {
        const std::string& path = sources.file(loaded.id).path;
        if (open.count(path) || now.count(path)) continue;
        now[path] = diagnosticsOf(*document.compilation, loaded.id, open);
      }
    }
    for (auto& [path, diagnostics] : now) publishIfChanged(pathToUri(path), std::move(diagnostics));
    // Compared by path: the client may spell an open buffer's URI otherwise.
    for (const std::string& path : imported_)
      if (!now.count(path) && !open.count(path)) publishIfChanged(pathToUri(path), json::Array{});
    imported_.clear();
    for (const auto& [path, diagnostics] : now) imported_.insert(path);
  }

  void publishIfChanged(const std::string& uri, json::Array diagnostics) {
    std::string text;
    llvm::raw_string_ostream(text) << json::Value(json::Array(diagnostics));
    auto found = published_.find(uri);
    if (found == published_.end() ? diagnostics.empty() : found->second == text) return;
    publish(uri, std::move(diagnostics));
  }

  void publish(const std::string& uri, json::Array diagnostics) {
    std::string text;
    llvm::raw_string_ostream(text) << json::Value(json::Array(diagnostics));
    published_[uri] = text;
    send(json::Object{{"jsonrpc", "2.0"},
                      {"method", "textDocument/publishDiagnostics"},
                      {"params", json::Object{{"uri", uri}, {"diagnostics", std::move(diagnostics)}}}});
  }

  Document& documentOf(const json::Object& params) {
    const json::Object* item = params.getObject("textDocument");
    llvm::Optional<llvm::StringRef> uri = item ? item->getString("uri") : llvm::None;
    if (!uri) throw RequestError{kInvalidParams, "missing textDocument.uri"};
    auto found = documents_.find(uri->str());
    if (found == documents_.end()) throw RequestError{kInvalidParams, "document not open: " + uri->str()};
    return found->second;
  }

  SourceLoc fromLsp(const Document& document, const json::Object& position) {
    llvm::Optional<int64_t> line = position.getInteger("line"), character = position.getInteger("character");
    constexpr int64_t kMax = INT32_MAX;  // LSP's uinteger; keeps SourceLoc's 32-bit fields from wrapping
    if (!line || !character || *line < 0 || *character < 0 || *line > kMax || *character > kMax)
      throw RequestError{kInvalidParams, "a position needs a `line` and a `character`, integers from 0"};
    return fromLspPosition(document.text, *line, *character);
  }

  SourceLoc positionOf(const Document& document, const json::Object& params) {
    const json::Object* position = params.getObject("position");
    if (!position) throw RequestError{kInvalidParams, "missing position"};
    return fromLsp(document, *position);
  }

  std::FILE* in_;
  std::FILE* out_;
  bool initialized_ = false, shutdown_ = false, exited_ = false;
  std::string root_, stdlib_;
  bool rootFromCommandLine_;
  std::map<std::string, Document> documents_;
  std::map<std::string, std::string> published_;  // URI -> the diagnostics last published for it
  std::set<std::string> imported_;                // paths of files imported but not open
  // The project scans of the "add import" help, kept between compilations
  // until a file may have changed on disk (didOpen, didClose, didSave).
  std::map<std::vector<fs::path>, ProjectIndex> projectIndexes_;
  std::chrono::steady_clock::time_point lastChange_;
};

}  // namespace

int runStdioServer(std::FILE* in, std::FILE* out, const ServerOptions& options) {
  return Server(in, out, options).run();
}

}  // namespace pipelang::lsp
