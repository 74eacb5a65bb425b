#include "checker/model.h"

#include "checker/models.h"

namespace checker {
namespace {

// The registered models, built once and never changed (read-only after construction).
const std::vector<std::unique_ptr<Model>>& all_models() {
  static const std::vector<std::unique_ptr<Model>> models = [] {
    std::vector<std::unique_ptr<Model>> v;
    v.push_back(make_kv_model());
    v.push_back(make_register_model());
    return v;
  }();
  return models;
}

}  // namespace

const Model* find_model(std::string_view name) {
  for (const auto& m : all_models()) {
    if (m->name() == name) return m.get();
  }
  return nullptr;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& m : all_models()) names.emplace_back(m->name());
  return names;
}

common::Status op_error(const History& h, const Operation& op, const std::string& what) {
  return common::Status::invalid_argument(h.source + ":" + std::to_string(op.call_line) + ": " +
                                          what);
}

std::string value_text(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace checker
