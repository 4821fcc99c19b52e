// Man pages in roff with the man(7) macros, for pipec(1), piperun(1) and pipe(5).
#include "clidoc/CliModel.h"

#include <cctype>
#include <sstream>
#include <vector>

namespace pipelang::clidoc {
namespace {

// Text as roff: backslashes and dashes escaped, no line starting a request.
std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

void paragraphs(std::ostringstream& out, const std::string& body) {
  std::istringstream lines(body);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (line.empty()) {
      first = true;
      continue;
    }
    if (first) out << ".PP\n";
    first = false;
    out << escape(line) << "\n";
  }
}

}  // namespace

std::string renderManPage(const CliProgram& program) {
  std::ostringstream out;
  out << ".\\\" Generated from " << program.name << "'s option tables; do not edit.\n";
  out << ".TH " << upper(program.name) << " 1 \"\" \"pipe " << program.version << "\" \"User Commands\"\n";
  out << ".SH NAME\n" << escape(program.name) << " \\- " << escape(program.summary) << "\n";
  out << ".SH SYNOPSIS\n";
  for (const CliCommand& command : program.commands)
    out << ".B " << escape(program.name) << " " << escape(command.name) << "\n[\\fIoptions\\fR] "
        << escape(command.positional) << "\n.br\n";
  out << ".B " << escape(program.name) << "\n\\-\\-help | \\-\\-version\n";
  out << ".SH DESCRIPTION\n";
  paragraphs(out, program.description);
  out << ".SH COMMANDS\n";
  for (const CliCommand& command : program.commands) {
    out << ".SS \"" << escape(program.name + " " + command.name) << (command.positional.empty() ? "" : " ")
        << escape(command.positional) << "\"\n";
    out << escape(command.help) << "\n";
    for (const CliOption& option : command.options) {
      out << ".TP\n\\fB" << escape(dashed(option)) << "\\fR";
      if (!option.valueName.empty()) out << "=\\fI" << escape(option.valueName) << "\\fR";
      out << "\n" << escape(option.help) << "\n";
      // Choices with their own help get a line each; bare names are in the value name.
      for (const Choice& choice : option.choices)
        if (!choice.help.empty())
          out << ".RS\n.TP\n\\fB" << escape(choice.name) << "\\fR\n" << escape(choice.help) << "\n.RE\n";
    }
  }
  out << ".SH OPTIONS\n.TP\n\\fB\\-\\-help\\fR\nPrint the commands, or with a command its options, and exit.\n"
      << ".TP\n\\fB\\-\\-version\\fR\nPrint the version and the plan format version, and exit.\n";
  for (const ManSection& section : program.sections) {
    out << ".SH " << upper(section.title) << "\n";
    paragraphs(out, section.body);
  }
  return out.str();
}

std::string markdownToMan(const std::string& markdown, const std::string& title, int section,
                          const std::string& nameLine, const std::string& version) {
  std::ostringstream out;
  out << ".\\\" Generated from the Markdown guide; do not edit.\n";
  out << ".TH " << upper(title) << " " << section << " \"\" \"pipe " << version << "\" \"File Formats\"\n";
  out << ".SH NAME\n" << escape(title) << " \\- " << escape(nameLine) << "\n.SH DESCRIPTION\n";
  // Inline markup: `code` in bold, **strong** in bold, *em* in italics.
  auto inlineText = [](const std::string& line) {
    std::string text = escape(line), result;
    bool code = false, strong = false;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '`') {
        result += code ? "\\fR" : "\\fB";
        code = !code;
      } else if (!code && text.compare(i, 2, "**") == 0) {
        result += strong ? "\\fR" : "\\fB";
        strong = !strong;
        ++i;
      } else {
        result += text[i];
      }
    }
    if (code || strong) result += "\\fR";
    return result;
  };
  // A Markdown table: each row a tagged paragraph (first cell, then the
  // others); the header row and its `|---|` line are dropped.
  std::vector<std::string> table;
  auto flushTable = [&] {
    auto cells = [](const std::string& row) {
      std::vector<std::string> result;
      std::string cell;
      for (size_t i = 1; i < row.size(); ++i) {
        if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
          cell += '|';
          ++i;
        } else if (row[i] == '|') {
          size_t first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
          result.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
          cell.clear();
        } else {
          cell += row[i];
        }
      }
      return result;
    };
    bool header = table.size() >= 2 && table[1].find_first_not_of("|-: ") == std::string::npos;
    for (size_t i = header ? 2 : 0; i < table.size(); ++i) {
      std::vector<std::string> row = cells(table[i]);
      if (row.empty()) continue;
      out << ".TP\n" << inlineText(row[0]) << "\n";
      std::string rest;
      for (size_t c = 1; c < row.size(); ++c)
        if (!row[c].empty()) rest += (rest.empty() ? "" : "; ") + row[c];
      out << inlineText(rest) << "\n";
    }
    table.clear();
  };
  std::istringstream lines(markdown);
  std::string line;
  bool fenced = false, inParagraph = false, sawTitle = false;
  while (std::getline(lines, line)) {
    if (!fenced && line.rfind("|", 0) == 0) {
      table.push_back(line);
      inParagraph = false;
      continue;
    }
    if (!table.empty()) flushTable();
    if (line.rfind("```", 0) == 0) {
      out << (fenced ? ".fi\n.RE\n" : ".PP\n.RS 4\n.nf\n");
      fenced = !fenced;
      inParagraph = false;
      continue;
    }
    if (fenced) {
      out << (line.empty() ? "" : "\\&") << escape(line) << "\n";
      continue;
    }
    if (line.rfind("# ", 0) == 0 && !sawTitle) {  // the document title is the NAME line
      sawTitle = true;
      continue;
    }
    if (line.rfind("## ", 0) == 0 || line.rfind("# ", 0) == 0) {
      out << ".SH \"" << upper(escape(line.substr(line.find(' ') + 1))) << "\"\n";
      inParagraph = false;
    } else if (line.rfind("### ", 0) == 0 || line.rfind("#### ", 0) == 0) {
      out << ".SS \"" << escape(line.substr(line.find(' ') + 1)) << "\"\n";
      inParagraph = false;
    } else if (line.empty()) {
      inParagraph = false;
    } else if (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0) {
      out << ".IP \\(bu 2\n" << inlineText(line.substr(2)) << "\n";
      inParagraph = true;
    } else {
      if (!inParagraph) out << ".PP\n";
      inParagraph = true;
      size_t start = line.find_first_not_of(' ');
      out << inlineText(line.substr(start)) << "\n";
    }
  }
  if (!table.empty()) flushTable();
  if (fenced) out << ".fi\n.RE\n";
  out << ".SH \"SEE ALSO\"\npipec(1), piperun(1)\n";
  return out.str();
}

}  // namespace pipelang::clidoc
