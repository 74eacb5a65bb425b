#pragma once
// Helpers shared by the storage tests: entry builders and an open() that fails the test loudly.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cluster/node/storage/disk_storage.h"

namespace storage::testing {

inline raft::Entry entry(raft::Index index, raft::Term term) {
  return raft::Entry{term, index, raft::EntryType::kNormal,
                     "data-" + std::to_string(index) + "-t" + std::to_string(term)};
}

inline std::vector<raft::Entry> entries(raft::Index from, raft::Index to, raft::Term term) {
  std::vector<raft::Entry> out;
  for (raft::Index i = from; i <= to; ++i) out.push_back(entry(i, term));
  return out;
}

inline std::unique_ptr<DiskStorage> open_or_die(FileSystem* fs, const std::string& dir,
                                                Recovered* recovered,
                                                DiskStorageOptions options = {}) {
  common::Result<std::unique_ptr<DiskStorage>> s = DiskStorage::open(fs, dir, options, recovered);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return nullptr;
  return std::move(s).value();
}

}  // namespace storage::testing
