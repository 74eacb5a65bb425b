#pragma once
// Factories of the built-in models (internal; the table lives in model.cc).
#include <memory>

#include "checker/model.h"

namespace checker {
std::unique_ptr<Model> make_kv_model();
std::unique_ptr<Model> make_register_model();
}  // namespace checker
