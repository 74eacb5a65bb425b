#include "cluster/node/storage/disk_storage.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "cluster/node/storage/log_format.h"
#include "cluster/node/storage/log_replay.h"
#include "cluster/node/storage/record.h"

namespace storage {

namespace {
constexpr const char* kSnapshotName = "snapshot.snap";
constexpr const char* kTempSuffix = ".tmp";

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

common::Status check_snapshot_fits(const raft::Snapshot& snapshot) {
  if (snapshot.data.size() + 8 * snapshot.voters.size() > kMaxRecordPayload - 64) {
    return common::Status::invalid_argument(
        "save_snapshot: " + std::to_string(snapshot.data.size()) +
        " bytes is larger than a record may be");
  }
  return common::Status::ok();
}
}  // namespace

DiskStorage::DiskStorage(FileSystem* fs, std::string dir, const DiskStorageOptions& options)
    : fs_(fs), dir_(std::move(dir)), log_dir_(dir_ + "/log"), options_(options) {}

DiskStorage::~DiskStorage() {
  if (current_) current_->close();
}

common::Result<std::unique_ptr<DiskStorage>> DiskStorage::open(FileSystem* fs,
                                                               const std::string& dir,
                                                               const DiskStorageOptions& options,
                                                               Recovered* recovered) {
  std::unique_ptr<DiskStorage> storage(new DiskStorage(fs, dir, options));
  *recovered = Recovered();
  common::Status s = storage->recover(recovered);
  if (s) s = storage->update_identity();
  if (!s) return s;
  return storage;
}

std::string DiskStorage::segment_path(uint64_t seq) const {
  return log_dir_ + "/" + segment_name(seq);
}

common::Status DiskStorage::fail(common::Status s) {
  if (!s) failed_ = s;
  return s;
}

common::Status DiskStorage::remove_temp_files(const std::string& dir,
                                              std::vector<std::string>* warnings) {
  common::Result<std::vector<std::string>> names = fs_->list(dir);
  if (!names) return names.status();
  for (const std::string& name : names.value()) {
    if (!ends_with(name, kTempSuffix)) continue;
    common::Status s = fs_->remove(dir + "/" + name);
    if (!s) return s;
    warnings->push_back("removed unfinished temporary file " + dir + "/" + name);
  }
  return common::Status::ok();
}

common::Status DiskStorage::read_snapshot(raft::Snapshot* snapshot) {
  std::string path = dir_ + "/" + kSnapshotName;
  *snapshot = raft::Snapshot();
  if (!fs_->exists(path)) return common::Status::ok();
  common::Result<std::string> bytes = fs_->read_file(path);
  if (!bytes) return bytes.status();
  RecordRead r = read_record(bytes.value(), 0);
  std::string problem = r.problem;
  if (r.outcome == ReadOutcome::kEnd) problem = "empty file";
  if (r.outcome == ReadOutcome::kOk && r.type != RecordType::kSnapshot)
    problem = "not a snapshot record";
  if (r.outcome == ReadOutcome::kOk && r.next != bytes.value().size()) {
    return common::Status::corruption(path + " at byte offset " + std::to_string(r.next) +
                                      ": trailing bytes after the snapshot record");
  }
  if (problem.empty() && !decode_snapshot(r.payload, snapshot, &problem)) {
    problem = "bad snapshot payload: " + problem;
  }
  if (!problem.empty()) {
    return common::Status::corruption(path + " at byte offset 0: " + problem);
  }
  snapshot_bytes_ = bytes.value().size();
  return common::Status::ok();
}

common::Status DiskStorage::recover(Recovered* recovered) {
  common::Status s = fs_->create_dirs(dir_);
  if (!s) return common::Status::io_error("data dir " + dir_ + ": " + s.message());
  common::Result<std::unique_ptr<FileLock>> lock = fs_->lock(dir_ + "/LOCK");
  if (!lock) {
    std::string why = "data dir " + dir_ + " is in use: " + lock.status().message();
    return lock.status().code() == common::Status::Code::kUnavailable
               ? common::Status::unavailable(why)
               : common::Status::io_error(why);
  }
  lock_ = std::move(lock.value());
  std::optional<Identity> identity;
  if (options_.node_id != 0) {
    common::Result<std::optional<Identity>> read = read_identity(*fs_, dir_);
    if (!read) return read.status();
    identity = std::move(read.value());
  }
  // What the log holds is checked against the identity before anything is written or repaired.
  auto check = [&](const LogPosition& found) {
    if (!identity) return common::Status::ok();
    return check_identity(dir_, *identity, options_.cluster_id, options_.node_id, found);
  };
  if (identity) {  // ownership first: the identity's own promise always satisfies the rest
    if (s = check({identity->term, identity->last_index, identity->newest_segment}); !s) return s;
  }
  if (identity && !fs_->exists(log_dir_)) {
    if (s = check(LogPosition{}); !s) return s;
  }
  if (s = fs_->create_dirs(log_dir_); !s)
    return common::Status::io_error("data dir " + dir_ + ": " + s.message());
  if (s = remove_temp_files(dir_, &recovered->warnings); !s) return s;
  if (s = remove_temp_files(log_dir_, &recovered->warnings); !s) return s;

  raft::Snapshot& snapshot = recovered->state.snapshot;
  if (s = read_snapshot(&snapshot); !s) return s;
  // What a killed process left in the page cache may not be durable yet (a rename whose directory
  // was never synced, records written but not synced); make it so before building on it.
  if (s = fs_->sync_dir(dir_); !s) return s;
  if (s = fs_->sync_dir(log_dir_); !s) return s;
  snapshot_index_ = snapshot.index;
  snapshot_term_ = snapshot.term;

  common::Result<std::vector<std::string>> names = fs_->list(log_dir_);
  if (!names) return names.status();
  std::vector<uint64_t> seqs;
  for (const std::string& name : names.value()) {
    uint64_t seq = 0;
    if (parse_segment_name(name, &seq)) {
      seqs.push_back(seq);
    } else {
      recovered->warnings.push_back("ignored unknown file " + log_dir_ + "/" + name);
    }
  }
  if (seqs.empty() && !snapshot.empty()) {
    // Compaction writes the new segment before it removes old ones, so this is damage: starting
    // afresh would forget the term and vote this node promised.
    return common::Status::corruption(log_dir_ + ": no log segments beside the snapshot " + dir_ +
                                      "/" + kSnapshotName + " (the hard state is lost)");
  }
  if (seqs.empty()) {  // a new data dir (or one whose first segment was never completed)
    if (s = check(LogPosition{0, snapshot.index, 0}); !s) return s;
    base_index_ = snapshot.index;
    base_term_ = snapshot.term;
    std::string body;
    append_record(&body, RecordType::kHardState, encode_hard_state(hard_state_));
    if (s = write_segment_file(1, true, base_index_, base_term_, body); !s) return s;
    std::string header;
    append_record(&header, RecordType::kSegmentHeader,
                  encode_segment_header({1, true, base_index_, base_term_}));
    segments_ = {{1, header.size() + body.size()}};
    return open_current();
  }

  LogImage image;
  if (s = replay_log(*fs_, log_dir_, seqs, true, &image, &recovered->warnings); !s) return s;
  {
    LogPosition found{
        image.hard_state.term,
        std::max<raft::Index>(image.base_index + image.entries.size(), snapshot.index), 0};
    for (const LogImage::Segment& seg : image.segments)
      found.newest_segment = std::max(found.newest_segment, seg.seq);
    if (s = check(found); !s) return s;
  }
  if (options_.node_id != 0 && !identity) {
    recovered->warnings.push_back("the data dir had a log but no identity file: created " + dir_ +
                                  "/" + kIdentityName);
  }
  for (uint64_t seq : image.stale_seqs) {
    if (s = fs_->remove(segment_path(seq)); !s) return s;
    recovered->warnings.push_back("removed segment " + segment_path(seq) +
                                  " superseded by a compaction");
  }
  if (!image.stale_seqs.empty()) {
    if (s = fs_->sync_dir(log_dir_); !s) return s;
  }
  base_index_ = image.base_index;
  base_term_ = image.base_term;
  hard_state_ = image.hard_state;
  for (const LogImage::Segment& seg : image.segments) segments_.push_back({seg.seq, seg.bytes});
  for (size_t i = 0; i < image.entries.size(); ++i) {
    log_.push_back({image.entries[i].term, image.locations[i].seq, image.locations[i].offset});
  }
  recovered->state.hard_state = image.hard_state;

  if (base_index_ > snapshot.index ||
      (base_index_ == snapshot.index && base_term_ != snapshot.term)) {
    return common::Status::corruption(
        segment_path(segments_.front().seq) + " at byte offset 0: the log starts after entry " +
        std::to_string(base_index_) + " (term " + std::to_string(base_term_) +
        ") but the snapshot " + dir_ + "/" + kSnapshotName + " ends at entry " +
        std::to_string(snapshot.index) + " (term " + std::to_string(snapshot.term) + ")");
  }
  if (base_index_ < snapshot.index) {
    // The snapshot was saved but the compaction did not finish: finish it now.
    std::vector<raft::Entry> kept;
    if (term_at(snapshot.index) == snapshot.term) {
      kept.assign(image.entries.begin() + static_cast<std::ptrdiff_t>(snapshot.index - base_index_),
                  image.entries.end());
    }
    recovered->warnings.push_back("completed the compaction of the log through entry " +
                                  std::to_string(snapshot.index));
    if (s = compact_log(snapshot.index, snapshot.term, kept); !s) return s;
    recovered->state.entries = std::move(kept);
    return common::Status::ok();
  }
  recovered->state.entries = std::move(image.entries);
  if (s = open_current(); !s) return s;
  return fail(current_->sync());
}

common::Status DiskStorage::write_segment_file(uint64_t seq, bool starts_log,
                                               raft::Index base_index, raft::Term base_term,
                                               const std::string& body) {
  std::string bytes;
  SegmentHeader header{seq, starts_log, base_index, base_term};
  append_record(&bytes, RecordType::kSegmentHeader, encode_segment_header(header));
  bytes.append(body);
  return write_file_atomically(*fs_, log_dir_, segment_path(seq), bytes);
}

common::Status DiskStorage::open_current() {
  common::Result<std::unique_ptr<WritableFile>> file =
      fs_->open_append(segment_path(segments_.back().seq));
  if (!file) return fail(file.status());
  current_ = std::move(file.value());
  return common::Status::ok();
}

raft::Term DiskStorage::term_at(raft::Index index) const {
  if (index == base_index_) return base_term_;
  if (index < base_index_ || index > last_index()) return 0;
  return log_[index - base_index_ - 1].term;
}

common::Status DiskStorage::append(const std::vector<raft::Entry>& entries) {
  if (!failed_) return failed_;
  if (entries.empty()) return common::Status::ok();
  raft::Index first = entries.front().index;
  if (first <= base_index_ || first > last_index() + 1) {
    return common::Status::invalid_argument(
        "append: entry " + std::to_string(first) + " does not fit a log holding " +
        std::to_string(base_index_ + 1) + ".." + std::to_string(last_index()));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].index != first + i) {
      return common::Status::invalid_argument("append: entries are not consecutive at " +
                                              std::to_string(entries[i].index));
    }
    if (entries[i].data.size() > kMaxRecordPayload - 17) {
      return common::Status::invalid_argument("append: entry " + std::to_string(first + i) +
                                              " of " + std::to_string(entries[i].data.size()) +
                                              " bytes is larger than a record may be");
    }
  }
  if (first <= last_index()) {
    truncated_to_ = std::min(truncated_to_, first - 1);
    append_record(&buffer_, RecordType::kTruncate, encode_truncate(first));
    log_.resize(first - base_index_ - 1);
  }
  for (const raft::Entry& e : entries) {
    // Records queued now are written to the current segment: flush() writes before it rolls.
    log_.push_back({e.term, segments_.back().seq, segments_.back().bytes + buffer_.size()});
    append_record(&buffer_, RecordType::kEntry, encode_entry(e));
  }
  return common::Status::ok();
}

common::Status DiskStorage::set_hard_state(const raft::HardState& hs) {
  if (!failed_) return failed_;
  if (hs == hard_state_) return common::Status::ok();
  hard_state_ = hs;
  hard_state_queued_ = true;  // written after the entries of this batch, see flush()
  return common::Status::ok();
}

common::Status DiskStorage::flush() {
  if (!failed_) return failed_;
  if (hard_state_queued_) {
    // After the entries: a hard state that survives a torn write never names a commit index
    // beyond the entries that survived with it.
    append_record(&buffer_, RecordType::kHardState, encode_hard_state(hard_state_));
    hard_state_queued_ = false;
  }
  if (truncated_to_ != ~raft::Index{0}) {
    if (common::Status s = lower_identity(truncated_to_); !s) return s;
    truncated_to_ = ~raft::Index{0};
  }
  if (!buffer_.empty()) {
    if (common::Status s = current_->append(buffer_); !s) return fail(s);
    segments_.back().bytes += buffer_.size();
    buffer_.clear();
    unsynced_ = true;
  }
  if (segments_.back().bytes >= options_.segment_bytes) return roll();
  return common::Status::ok();
}

common::Status DiskStorage::sync() {
  if (!failed_) return failed_;
  if (common::Status s = flush(); !s) return s;
  if (!unsynced_) return common::Status::ok();  // nothing written since the last sync (or roll)
  if (common::Status s = current_->sync(); !s) return fail(s);
  unsynced_ = false;
  // A new term (a vote) is promised in the identity too: a wiped log then cannot forget it.
  if (options_.node_id != 0 && hard_state_.term != identity_.term) return update_identity();
  return common::Status::ok();
}

common::Status DiskStorage::update_identity() {
  if (options_.node_id == 0) return common::Status::ok();
  Identity next{options_.cluster_id, options_.node_id, hard_state_.term, last_index(),
                segments_.back().seq};
  if (next == identity_) return common::Status::ok();
  if (common::Status s = write_identity(*fs_, dir_, next); !s) return fail(s);
  identity_ = std::move(next);
  return common::Status::ok();
}

common::Status DiskStorage::lower_identity(raft::Index last) {
  if (options_.node_id == 0 || last >= identity_.last_index) return common::Status::ok();
  Identity next = identity_;
  next.last_index = last;
  if (common::Status s = write_identity(*fs_, dir_, next); !s) return fail(s);
  identity_ = std::move(next);
  return common::Status::ok();
}

common::Status DiskStorage::roll() {
  // The finished segment is made durable before the next one exists, so only the last segment
  // can ever end in a torn record.
  common::Status s = current_->sync();
  if (s) s = current_->close();
  if (!s) return fail(s);
  current_.reset();
  unsynced_ = false;
  uint64_t seq = segments_.back().seq + 1;
  if (s = write_segment_file(seq, false, 0, 0, ""); !s) return fail(s);
  std::string header;
  append_record(&header, RecordType::kSegmentHeader, encode_segment_header({seq, false, 0, 0}));
  segments_.push_back({seq, header.size()});
  if (common::Status s = open_current(); !s) return s;
  return update_identity();  // everything before the new segment is durable
}

common::Status DiskStorage::compact_log(raft::Index index, raft::Term term,
                                        const std::vector<raft::Entry>& kept) {
  uint64_t seq = segments_.back().seq + 1;
  std::string header;
  append_record(&header, RecordType::kSegmentHeader,
                encode_segment_header({seq, true, index, term}));
  std::string body;
  append_record(&body, RecordType::kHardState, encode_hard_state(hard_state_));
  hard_state_queued_ = false;
  std::vector<EntryMeta> metas;
  for (const raft::Entry& e : kept) {
    metas.push_back({e.term, seq, header.size() + body.size()});
    append_record(&body, RecordType::kEntry, encode_entry(e));
  }
  common::Status s = lower_identity(index + kept.size());
  if (!s) return s;
  s = write_segment_file(seq, true, index, term, body);
  if (!s) return fail(s);
  // From here on the new segment is the live log; the old ones are leftovers open() also removes.
  if (current_) {
    current_->close();
    current_.reset();
  }
  // No directory sync for the removals: a removed segment that reappears after a power cut is
  // older than the new one, which starts the log, and open() removes it again.
  for (const Segment& old : segments_) {
    if (options_.defer_segment_removal) {
      superseded_.push_back(segment_path(old.seq));
    } else if (s = fs_->remove(segment_path(old.seq)); !s) {
      return fail(s);
    }
  }
  segments_ = {{seq, header.size() + body.size()}};
  unsynced_ = false;
  base_index_ = index;
  base_term_ = term;
  log_ = std::move(metas);
  if (s = open_current(); !s) return s;
  return update_identity();  // the new segment (hard state included) was fsynced
}

common::Result<uint64_t> DiskStorage::write_snapshot_file(FileSystem* fs, const std::string& dir,
                                                          const raft::Snapshot& snapshot) {
  if (common::Status s = check_snapshot_fits(snapshot); !s) return s;
  std::string bytes;
  append_record(&bytes, RecordType::kSnapshot, encode_snapshot(snapshot));
  common::Status s = write_file_atomically(*fs, dir, dir + "/" + kSnapshotName, bytes);
  if (!s) return s;
  return uint64_t{bytes.size()};
}

Storage::SnapshotFileWriter DiskStorage::snapshot_file_writer() {
  return [fs = fs_, dir = dir_](const raft::Snapshot& snapshot) {
    return write_snapshot_file(fs, dir, snapshot);
  };
}

common::Status DiskStorage::save_snapshot(const raft::Snapshot& snapshot) {
  if (!failed_) return failed_;
  if (snapshot.index <= snapshot_index_) return common::Status::ok();
  if (common::Status s = check_snapshot_fits(snapshot); !s) return s;  // before any I/O
  if (common::Status s = sync(); !s) return s;
  common::Result<uint64_t> written = write_snapshot_file(fs_, dir_, snapshot);
  if (!written) return fail(written.status());
  return compact_through(snapshot, written.value());
}

common::Status DiskStorage::compact_through(const raft::Snapshot& snapshot, uint64_t file_bytes) {
  if (!failed_) return failed_;
  if (snapshot.index <= snapshot_index_) return common::Status::ok();
  // The entries the new segment keeps are read back from the segment files, so everything queued
  // is written first. No fsync: the new segment is fsynced with all of it before the old ones go,
  // and until then a crash leaves the old log exactly as a crash before this call would.
  if (common::Status s = flush(); !s) return s;
  snapshot_index_ = snapshot.index;
  snapshot_term_ = snapshot.term;
  snapshot_bytes_ = file_bytes;

  // Raft's InstallSnapshot rule: later entries survive only if the log agrees at snapshot.index.
  std::vector<raft::Entry> kept;
  if (snapshot.index < last_index() && term_at(snapshot.index) == snapshot.term) {
    if (common::Status s = read_entries(snapshot.index + 1, &kept); !s) return fail(s);
  }
  return compact_log(snapshot.index, snapshot.term, kept);
}

common::Status DiskStorage::read_entries(raft::Index from, std::vector<raft::Entry>* out) {
  std::string bytes;
  uint64_t loaded_seq = 0;
  for (raft::Index index = from; index <= last_index(); ++index) {
    const EntryMeta& meta = log_[index - base_index_ - 1];
    std::string path = segment_path(meta.seq);
    if (meta.seq != loaded_seq) {  // entries are in segment order: each file is read once
      common::Result<std::string> file = fs_->read_file(path);
      if (!file) return file.status();
      bytes = std::move(file.value());
      loaded_seq = meta.seq;
    }
    RecordRead r = read_record(bytes, meta.offset);
    raft::Entry e;
    std::string problem = r.problem;
    if (r.outcome == ReadOutcome::kOk && r.type != RecordType::kEntry) problem = "not an entry";
    if (problem.empty() && !decode_entry(r.payload, &e, &problem)) problem += "";
    if (problem.empty() && e.index != index) problem = "holds entry " + std::to_string(e.index);
    if (!problem.empty()) {
      return common::Status::corruption(path + " at byte offset " + std::to_string(meta.offset) +
                                        ": expected entry " + std::to_string(index) + ": " +
                                        problem);
    }
    out->push_back(std::move(e));
  }
  return common::Status::ok();
}

std::vector<std::string> DiskStorage::take_superseded_segments() {
  return std::exchange(superseded_, {});
}

common::Result<raft::Snapshot> DiskStorage::load_snapshot() {
  raft::Snapshot snapshot;
  common::Status s = read_snapshot(&snapshot);
  if (!s) return s;
  return snapshot;
}

uint64_t DiskStorage::log_bytes() const {
  uint64_t total = buffer_.size() + (hard_state_queued_ ? kRecordHeaderBytes + 24 : 0);
  for (const Segment& seg : segments_) total += seg.bytes;
  return total;
}

}  // namespace storage
