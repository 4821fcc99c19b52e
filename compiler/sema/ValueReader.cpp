// Reading typed values out of merged blocks. Shapes were validated per
// declaration (Schema.cpp): a value of the wrong shape is skipped quietly
// here, it has been reported once already.
#include "compiler/sema/Builder.h"

#include "compiler/sema/Ranges.h"

namespace pipelang::sema {

namespace {
constexpr int kMaxSuperDepth = 64;  // a chain is finite, but never trust input
}

model::Origin ValueReader::originOf(const MergedBlock& block) const {
  SourceRange range;
  if (block.block)
    range = block.block->label.kind != ast::LabelKind::None ? block.block->label.range : block.block->typeRange;
  return {range, decl_.via(block.level)};
}

const ast::Expr* ValueReader::value(const MergedAttr* attr, const MergedAttr** writer) const {
  for (int depth = 0; attr && attr->attr && attr->attr->value && depth < kMaxSuperDepth; ++depth) {
    const ast::Expr* e = attr->attr->value.get();
    if (e->kind != ast::ExprKind::Ref || !e->isSuper) {
      if (writer) *writer = attr;
      return e;
    }
    const MergedAttr* parent = attr->superScope && e->path.size() == 1 ? attr->superScope->attr(e->path[0]) : nullptr;
    if (!parent) {
      sink_.report(
          DiagCode::R101, e->range,
          "`super." + (e->path.empty() ? std::string() : e->path[0]) + "`: the parent sets no such attribute here");
      return nullptr;
    }
    attr = parent;
  }
  return nullptr;
}

const ast::Expr* ValueReader::literal(const MergedBlock* block, const char* name, ast::ExprKind kind,
                                      model::Origin* origin) const {
  if (!block) return nullptr;
  const MergedAttr* writer = nullptr;
  const ast::Expr* e = value(block->attr(name), &writer);
  if (!e || e->kind != kind) return nullptr;
  // Out of its range: reported as R112 on the literal (Schema.cpp), never used.
  if (const ValueRange* range = valueRange(block->type, name)) {
    double number = kind == ast::ExprKind::Integer    ? static_cast<double>(e->integer)
                    : kind == ast::ExprKind::Duration ? static_cast<double>(e->millis)
                                                      : e->number;
    if ((kind == ast::ExprKind::Integer || kind == ast::ExprKind::Duration || kind == ast::ExprKind::Percent) &&
        !inRange(*range, number))
      return nullptr;
  }
  *origin = originOf(*writer, *e);
  return e;
}

std::optional<model::Located<std::string>> ValueReader::string(const MergedBlock* block, const char* name) const {
  model::Origin origin;
  if (const ast::Expr* e = literal(block, name, ast::ExprKind::String, &origin))
    return model::Located<std::string>{e->text, origin};
  return std::nullopt;
}

std::optional<model::Located<int64_t>> ValueReader::integer(const MergedBlock* block, const char* name) const {
  model::Origin origin;
  if (const ast::Expr* e = literal(block, name, ast::ExprKind::Integer, &origin))
    return model::Located<int64_t>{e->integer, origin};
  return std::nullopt;
}

std::optional<model::Located<double>> ValueReader::percent(const MergedBlock* block, const char* name) const {
  model::Origin origin;
  if (const ast::Expr* e = literal(block, name, ast::ExprKind::Percent, &origin))
    return model::Located<double>{e->number, origin};
  return std::nullopt;
}

std::optional<model::Located<int64_t>> ValueReader::duration(const MergedBlock* block, const char* name) const {
  model::Origin origin;
  if (const ast::Expr* e = literal(block, name, ast::ExprKind::Duration, &origin))
    return model::Located<int64_t>{e->millis, origin};
  return std::nullopt;
}

std::optional<model::Located<int>> ValueReader::time(const MergedBlock* block, const char* name) const {
  model::Origin origin;
  if (const ast::Expr* e = literal(block, name, ast::ExprKind::Time, &origin))
    return model::Located<int>{e->minutes, origin};
  return std::nullopt;
}

std::optional<model::Located<std::string>> ValueReader::name(const MergedBlock* block, const char* attrName) const {
  model::Origin origin;
  const ast::Expr* e = literal(block, attrName, ast::ExprKind::Ref, &origin);
  if (!e || e->path.size() != 1) return std::nullopt;
  return model::Located<std::string>{e->path[0], origin};
}

std::optional<model::Located<std::vector<std::string>>> ValueReader::names(const MergedBlock* block,
                                                                           const char* attrName,
                                                                           std::vector<SourceRange>* itemRanges) const {
  model::Origin origin;
  const ast::Expr* e = literal(block, attrName, ast::ExprKind::List, &origin);
  if (!e) return std::nullopt;
  model::Located<std::vector<std::string>> result{{}, origin};
  for (const auto& item : e->args) {
    if (!item) continue;
    if (item->kind == ast::ExprKind::Ref && item->path.size() == 1 && !item->isSuper) {
      result.value.push_back(item->path[0]);
    } else if (item->kind == ast::ExprKind::String) {
      result.value.push_back(item->text);
    } else {
      continue;
    }
    if (itemRanges) itemRanges->push_back(item->range);
  }
  return result;
}

bool ValueReader::isNone(const MergedBlock* block, const char* name) const {
  const ast::Expr* e = block ? value(block->attr(name)) : nullptr;
  return e && e->kind == ast::ExprKind::None;
}

}  // namespace pipelang::sema
