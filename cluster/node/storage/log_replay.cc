#include "cluster/node/storage/log_replay.h"

#include <algorithm>
#include <map>

#include "cluster/node/storage/log_format.h"
#include "cluster/node/storage/record.h"

namespace storage {

namespace {

common::Status corrupt(const std::string& file, uint64_t offset, const std::string& problem) {
  return common::Status::corruption(file + " at byte offset " + std::to_string(offset) + ": " +
                                    problem);
}

// Reads the header record of a segment.
common::Status read_header(const std::string& path, std::string_view bytes, uint64_t seq,
                           SegmentHeader* header, size_t* body_offset) {
  RecordRead r = read_record(bytes, 0);
  if (r.outcome != ReadOutcome::kOk) {
    return corrupt(path, 0,
                   "no valid segment header (" +
                       (r.problem.empty() ? std::string("empty file") : r.problem) + ")");
  }
  std::string problem;
  if (r.type != RecordType::kSegmentHeader)
    return corrupt(path, 0, "first record is not a segment header");
  if (!decode_segment_header(r.payload, header, &problem)) return corrupt(path, 0, problem);
  if (header->seq != seq) {
    return corrupt(path, 0, "header names segment " + std::to_string(header->seq));
  }
  *body_offset = r.next;
  return common::Status::ok();
}

// Applies one body record to the image.
common::Status apply_record(const std::string& path, uint64_t seq, uint64_t offset,
                            const RecordRead& r, LogImage* image) {
  std::string problem;
  raft::Index last = image->base_index + image->entries.size();
  switch (r.type) {
    case RecordType::kEntry: {
      raft::Entry e;
      if (!decode_entry(r.payload, &e, &problem)) return corrupt(path, offset, problem);
      if (e.index != last + 1) {
        return corrupt(
            path, offset,
            "entry " + std::to_string(e.index) + " does not follow " + std::to_string(last));
      }
      image->entries.push_back(std::move(e));
      image->locations.push_back({seq, offset});
      return common::Status::ok();
    }
    case RecordType::kHardState:
      if (!decode_hard_state(r.payload, &image->hard_state, &problem)) {
        return corrupt(path, offset, problem);
      }
      return common::Status::ok();
    case RecordType::kTruncate: {
      raft::Index from = 0;
      if (!decode_truncate(r.payload, &from, &problem)) return corrupt(path, offset, problem);
      if (from <= image->base_index || from > last + 1) {
        return corrupt(path, offset,
                       "truncation from " + std::to_string(from) + " outside the log " +
                           std::to_string(image->base_index + 1) + ".." + std::to_string(last));
      }
      image->entries.resize(from - image->base_index - 1);
      image->locations.resize(image->entries.size());
      return common::Status::ok();
    }
    case RecordType::kSegmentHeader:
      return corrupt(path, offset, "segment header in the middle of a segment");
    case RecordType::kSnapshot:
      return corrupt(path, offset, "snapshot record in a log segment");
    case RecordType::kIdentity:
      return corrupt(path, offset, "identity record in a log segment");
  }
  return corrupt(path, offset, "unknown record type");
}

}  // namespace

common::Status replay_log(FileSystem& fs, const std::string& log_dir, std::vector<uint64_t> seqs,
                          bool truncate_torn_tail, LogImage* image,
                          std::vector<std::string>* warnings) {
  *image = LogImage();
  std::sort(seqs.begin(), seqs.end());
  if (seqs.empty()) return common::Status::corruption(log_dir + ": no log segments");

  // Newest first until the segment that starts the live log.
  std::map<uint64_t, std::string> contents;
  std::map<uint64_t, std::pair<SegmentHeader, size_t>> headers;
  size_t start = seqs.size();
  for (size_t i = seqs.size(); i-- > 0;) {
    std::string path = log_dir + "/" + segment_name(seqs[i]);
    common::Result<std::string> bytes = fs.read_file(path);
    if (!bytes) return bytes.status();
    SegmentHeader header;
    size_t body = 0;
    common::Status s = read_header(path, bytes.value(), seqs[i], &header, &body);
    if (!s) return s;
    contents[seqs[i]] = std::move(bytes.value());
    headers[seqs[i]] = {header, body};
    if (header.starts_log) {
      start = i;
      break;
    }
  }
  if (start == seqs.size()) {
    return common::Status::corruption(log_dir + ": no segment starts the log (segments " +
                                      std::to_string(seqs.front()) + ".." +
                                      std::to_string(seqs.back()) + ")");
  }
  image->stale_seqs.assign(seqs.begin(), seqs.begin() + static_cast<std::ptrdiff_t>(start));
  const SegmentHeader& first = headers[seqs[start]].first;
  image->base_index = first.base_index;
  image->base_term = first.base_term;

  for (size_t i = start; i < seqs.size(); ++i) {
    uint64_t seq = seqs[i];
    std::string path = log_dir + "/" + segment_name(seq);
    if (i > start && seq != seqs[i - 1] + 1) {
      return common::Status::corruption(log_dir + ": segment " + std::to_string(seqs[i - 1] + 1) +
                                        " is missing (found " + std::to_string(seq) + ")");
    }
    std::string_view bytes = contents[seq];
    bool last_segment = i + 1 == seqs.size();
    size_t offset = headers[seq].second;
    for (size_t guard = 0; guard <= bytes.size(); ++guard) {
      RecordRead r = read_record(bytes, offset);
      if (r.outcome == ReadOutcome::kEnd) break;
      if (r.outcome == ReadOutcome::kOk) {
        common::Status s = apply_record(path, seq, offset, r, image);
        if (!s) return s;
        offset = r.next;
        continue;
      }
      if (r.outcome == ReadOutcome::kTorn && last_segment && truncate_torn_tail) {
        common::Status s = fs.truncate(path, offset);
        if (!s) return s;
        warnings->push_back("torn record at " + path + " byte offset " + std::to_string(offset) +
                            " (" + r.problem + "): truncated " +
                            std::to_string(bytes.size() - offset) + " bytes");
        break;
      }
      return corrupt(path, offset, r.problem);
    }
    image->segments.push_back({seq, offset});
  }
  return common::Status::ok();
}

}  // namespace storage
