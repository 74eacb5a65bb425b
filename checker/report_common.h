#pragma once
// Pieces shared by the JSON and HTML reports, so both describe a check with the same fields.
// Pure functions; any thread.
#include <nlohmann/json.hpp>

#include "checker/checker.h"

namespace checker {

// The check's header: source, format, model, verdict, message, operation counts and time.
nlohmann::json summary_fields(const History& history, const CheckResult& result);

}  // namespace checker
