// Completion: after `NAME =`, the names that attribute takes (regions of the
// pipeline's topology, alarms and metrics of the merged pipeline, policies,
// topologies, kinds, execution modes); after `extends`, templates (or
// policies); elsewhere the attributes and blocks the schema allows in the
// enclosing block.
#include "compiler/lsp/Cursor.h"
#include "compiler/lsp/Features.h"
#include "compiler/lsp/MergedView.h"
#include "compiler/sema/Model.h"
#include "compiler/sema/Show.h"
#include "compiler/syntax/Literals.h"

#include <cctype>
#include <sstream>

namespace pipelang::lsp {

namespace json = llvm::json;

namespace {

// LSP CompletionItemKind values used here.
constexpr int kVariable = 6, kModule = 9, kProperty = 10, kKeyword = 14, kReference = 18, kEnumMember = 20, kEvent = 23;

json::Object item(std::string label, int kind, std::string detail) {
  return json::Object{{"label", std::move(label)}, {"kind", kind}, {"detail", std::move(detail)}};
}

// The text before the cursor with the insides of strings and comments blanked
// (newlines kept), so that braces and `=` in them are not taken for syntax;
// none when the cursor itself is in a string or comment.
std::optional<std::string> codeBefore(std::string_view text, size_t end) {
  std::string code(text.substr(0, end));
  enum { Code, String, Line, Block } state = Code;
  auto blank = [&](size_t i) {
    if (i < code.size() && code[i] != '\n') code[i] = ' ';
  };
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    char next = i + 1 < code.size() ? code[i + 1] : '\0';
    if (state == Code) {
      if (c == '"') {
        state = String;
        blank(i);
      } else if (c == '/' && (next == '/' || next == '*')) {
        state = next == '/' ? Line : Block;
        blank(i);
        blank(++i);
      }
    } else if (state == String) {
      blank(i);
      if (c == '\\' && next != '\n')
        blank(++i);  // an escaped character, `\"` included
      else if (c == '"' || c == '\n')
        state = Code;  // an unterminated string ends with its line
    } else if (state == Line) {
      if (c == '\n') state = Code;
      blank(i);
    } else {
      blank(i);
      if (c == '*' && next == '/') {
        blank(++i);
        state = Code;
      }
    }
  }
  if (state != Code) return std::nullopt;
  return code;
}

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// The attribute whose value the cursor is in: the nearest `NAME =` before it
// in the same body, with no line break outside brackets since. Read from the
// text, not the tree, so that it works on the half-typed line being completed.
std::string attributeBeingValued(const std::string& code) {
  int nesting = 0;  // brackets closed between here and the cursor
  bool lineBreak = false;
  for (size_t i = code.size(); i-- > 0;) {
    char c = code[i];
    if (c == '{' || c == '}') return "";
    if (c == ']' || c == ')') {
      ++nesting;
    } else if (c == '[' || c == '(') {
      if (nesting > 0)
        --nesting;
      else
        lineBreak = false;  // the breaks seen so far are inside this open bracket
    } else if (c == '\n' && nesting == 0) {
      lineBreak = true;
    }
    if (c != '=') continue;
    bool comparison = (i > 0 && std::string_view("=<>!").find(code[i - 1]) != std::string_view::npos) ||
                      (i + 1 < code.size() && code[i + 1] == '=');
    if (comparison) {
      if (i > 0 && code[i - 1] == '=') --i;
      continue;
    }
    if (lineBreak) return "";
    size_t end = i;
    while (end > 0 && code[end - 1] == ' ') --end;
    size_t begin = end;
    while (begin > 0 && isNameChar(code[begin - 1])) --begin;
    return code.substr(begin, end - begin);
  }
  return "";
}

// After `template|pipeline|policy NAME extends `: the kind of declaration it may extend.
std::optional<ast::DeclKind> parentBeingNamed(const std::string& line) {
  std::istringstream stream(line);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  bool afterExtends = words.size() == 4 || (words.size() == 3 && std::isspace(static_cast<unsigned char>(line.back())));
  if (!afterExtends || words[2] != "extends") return std::nullopt;
  if (words[0] == "policy") return ast::DeclKind::Policy;
  if (words[0] == "template" || words[0] == "pipeline") return ast::DeclKind::Template;
  return std::nullopt;
}

size_t offsetOf(std::string_view text, SourceLoc at) {
  size_t offset = 0;
  for (uint32_t line = 1; line < at.line && offset < text.size(); ++line) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) return text.size();
    offset = newline + 1;
  }
  for (uint32_t column = 1; column < at.column && offset < text.size() && text[offset] != '\n'; ++column) {
    unsigned char lead = static_cast<unsigned char>(text[offset]);
    offset += lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
  }
  return std::min(offset, text.size());
}

// The declaration the cursor is in; while it is being typed the parser may
// have lost its end, so the last one that starts before the cursor.
const ast::Declaration* declarationAt(const ast::File& file, SourceLoc at) {
  const ast::Declaration* found = nullptr;
  for (const auto& declaration : file.declarations)
    if (declaration && declaration->range.valid() && declaration->range.begin <= at) found = declaration.get();
  return found;
}

class Completer {
 public:
  Completer(const Document& document, SourceLoc at)
      : document_(document), sources_(document.compilation->sources), view_(*document.compilation), at_(at) {}

  json::Array complete() {
    const ast::File* file = document_.ast();
    std::optional<std::string> code = codeBefore(document_.text, offsetOf(document_.text, at_));
    if (!file || !code) return {};
    declaration_ = declarationAt(*file, at_);
    CursorPlace place = placeAt(*file, at_);
    std::optional<sema::Context> context = place.context();

    size_t lineStart = code->rfind('\n');
    if (auto parent = parentBeingNamed(code->substr(lineStart == std::string::npos ? 0 : lineStart + 1)))
      return declarations(*parent);

    std::string attribute = attributeBeingValued(*code);
    json::Array values;
    if (!attribute.empty()) values = valuesOf(attribute, context);
    if (!values.empty()) return values;
    return members(context);
  }

 private:
  json::Array valuesOf(const std::string& attribute, std::optional<sema::Context> context) {
    if (context == sema::Context::Alarms) return alarmsAndMetrics(true, true, attribute);
    if (attribute == "rollback_on") return alarmsAndMetrics(true, true, "");
    if (attribute == "block_on") return alarmsAndMetrics(true, false, "");
    if (attribute == "min_traffic") return alarmsAndMetrics(false, true, "");
    if (attribute == "regions") return regions(context == sema::Context::Wave);
    if (attribute == "policy") return declarations(ast::DeclKind::Policy);
    if (attribute == "topology") return declarations(ast::DeclKind::Topology);
    // Enumerated names (`kind`, `execution_mode`): the schema's list.
    const sema::AttributeSpec* spec = sema::findAttribute(context.value_or(sema::Context::Pipeline), attribute);
    json::Array items;
    if (const std::vector<std::string>* names = spec ? sema::enumNames(spec->type) : nullptr)
      for (const std::string& name : *names) items.push_back(item(name, kEnumMember, attribute));
    return items;
  }

  json::Array members(std::optional<sema::Context> context) {
    json::Array items;
    if (!context) return items;
    const sema::ContextSpec& spec = sema::contextSpec(*context);
    for (const sema::AttributeSpec& attribute : spec.attributes)
      items.push_back(item(attribute.name, kProperty, attribute.doc));
    for (const sema::BlockSpec& block : spec.blocks) items.push_back(item(block.type, kModule, block.doc));
    return items;
  }

  // The merged body of the enclosing pipeline or template.
  const sema::MergedBlock* mergedBody() {
    if (!declaration_ || declaration_->kind == ast::DeclKind::Topology || declaration_->kind == ast::DeclKind::Policy)
      return nullptr;
    return view_.resolve(*declaration_).body.get();
  }

  json::Array alarmsAndMetrics(bool alarms, bool metrics, const std::string& self) {
    json::Array items;
    const sema::MergedBlock* body = mergedBody();
    if (!body) return items;
    auto add = [&](const char* block, int kind, const char* what) {
      const sema::MergedBlock* entries = body->child(block);
      if (!entries) return;
      for (const auto& [name, merged] : entries->attrs)
        if (name != self && merged.attr)
          items.push_back(item(name, kind, std::string(what) + ": " + sema::showMergedValue(merged, sources_)));
    };
    if (alarms) add("alarms", kEvent, "alarm");
    if (metrics) add("metrics", kVariable, "metric");
    return items;
  }

  // The regions of the topology the pipeline uses; of every topology when it names none (yet).
  json::Array regions(bool inWave) {
    json::Array items;
    std::string topology;
    const sema::MergedBlock* body = mergedBody();
    const sema::MergedAttr* chosen = body ? body->attr("topology") : nullptr;
    if (chosen && chosen->attr && chosen->attr->value->kind == ast::ExprKind::Ref && !chosen->attr->value->isSuper &&
        chosen->attr->value->path.size() == 1)
      topology = chosen->attr->value->path[0];
    const model::Program* program = document_.compilation->program.get();
    bool known = false;
    if (program)
      for (const model::Topology& candidate : program->topologies) known |= candidate.name == topology;
    if (program)
      for (const model::Topology& candidate : program->topologies) {
        if (known && candidate.name != topology) continue;
        for (const model::Region& region : candidate.regions)
          items.push_back(item(region.id, kEnumMember,
                               "region of `" + candidate.name + "`: " + formatPercent(region.traffic) +
                                   " of traffic, " + std::to_string(region.zones.size()) +
                                   (region.zones.size() == 1 ? " zone" : " zones")));
      }
    if (inWave) items.push_back(item("rest", kKeyword, "every region of the topology not named by an earlier wave"));
    return items;
  }

  json::Array declarations(ast::DeclKind kind) {
    json::Array items;
    for (const std::string& name : view_.names().namesOf(kind)) {
      const ast::Declaration* declaration = view_.names().find(name);
      items.push_back(item(
          name, kReference,
          std::string(sema::declKindWord(kind)) + " in " + sources_.file(declaration->nameRange.file).displayName));
    }
    return items;
  }

  const Document& document_;
  const SourceManager& sources_;
  MergedView view_;
  SourceLoc at_;
  const ast::Declaration* declaration_ = nullptr;
};

}  // namespace

json::Array completion(const Document& document, SourceLoc at) {
  if (!document.compilation) return {};
  return Completer(document, at).complete();
}

}  // namespace pipelang::lsp
