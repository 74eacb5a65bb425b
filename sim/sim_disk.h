#pragma once
// SimDisk: one node's disk in the simulated world, behind the same storage::FileSystem interface
// the real node uses, so the real storage code (records, CRCs, recovery) runs unchanged. It keeps
// apart what the kernel keeps apart: each file's written bytes (the page cache) and its synced
// bytes (the platter), each directory's current names and the names made durable by sync_dir().
//
// Time: the interface is synchronous, so the disk does not block; it adds the cost of each
// operation (a write's base cost plus its bytes, an fsync drawn from a latency range) to a busy
// counter that the node's driver takes after each step and charges as time the node spent before
// its outputs leave (a slow disk delays acknowledgements, as a real fsync does).
//
// Crashes:
//  - kill(): the process dies; the page cache survives (SIGKILL). Handles opened before it fail.
//    A kill while the node's last fsync was still running undoes that fsync (undo_step_syncs):
//    its bytes stay in the page cache, readable after a restart, but are durable only once
//    something syncs them again (a power cut before that loses them).
//  - power_cut(): every file loses what was not synced, except that the disk may have written a
//    prefix of the unsynced bytes (torn at a random byte); names not made durable by sync_dir()
//    revert (a created file vanishes, a rename is undone).
//  - corrupt_at_rest(): one bit of one synced byte flips (bit rot, a misdirected write).
//  - fail_next_sync(): the next fsync reports EIO.
// Directories are durable once created. All randomness comes from the seeded stream it is given.
// Owned by the World (outlives the node's incarnations); single thread.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/node/storage/file_system.h"
#include "common/random.h"
#include "sim/event_loop.h"

namespace sim {

struct DiskTiming {
  Nanos op = 2 * kMicro;         // any metadata operation, and the base cost of a write
  double ns_per_byte = 0.5;      // write and read bandwidth (2 GB/s)
  Nanos fsync_min = 100 * kMicro;
  Nanos fsync_max = 1 * kMilli;
  double slow_factor = 1.0;      // a slow disk: every cost times this
};

struct DiskCounters {
  uint64_t writes = 0;
  uint64_t bytes_written = 0;
  uint64_t syncs = 0;
  uint64_t power_cuts = 0;
  uint64_t torn_bytes_kept = 0;  // unsynced bytes that survived power cuts
  uint64_t bits_flipped = 0;
};

class SimDisk : public storage::FileSystem {
 public:
  explicit SimDisk(common::Rng rng, DiskTiming timing = {});
  ~SimDisk() override;

  common::Status create_dirs(const std::string& dir) override;
  common::Result<std::unique_ptr<storage::WritableFile>> open_append(const std::string& path) override;
  common::Result<std::unique_ptr<storage::WritableFile>> create(const std::string& path) override;
  common::Result<std::string> read_file(const std::string& path) override;
  common::Status rename(const std::string& from, const std::string& to) override;
  common::Status sync_dir(const std::string& dir) override;
  common::Result<std::vector<std::string>> list(const std::string& dir) override;
  common::Status remove(const std::string& path) override;
  common::Status truncate(const std::string& path, uint64_t size) override;
  bool exists(const std::string& path) override;

  // --- faults ---
  void kill();
  void power_cut();
  // Flips one bit of a synced byte of a file under `dir` (every file if empty), chosen at random;
  // returns "path@offset" or nullopt when there is no synced byte to flip.
  std::optional<std::string> corrupt_at_rest(const std::string& dir = "");
  struct Flip {
    std::string path;
    size_t offset = 0;
    // The byte was covered by an fsync (or a truncate) that returned: the node may have promised
    // what it holds (acknowledged an entry, granted a vote). Not so for the unsynced bytes a power
    // cut happened to keep (a torn tail), which the node never relied on.
    bool promised = false;
  };
  std::optional<Flip> flip_at_rest(const std::string& dir = "");
  // The files read (read_file) since the last call to start_reads(): what a node's recovery read.
  void start_reads() { reads_.clear(); }
  bool was_read(const std::string& path) const { return reads_.count(path) > 0; }
  // Some file read since start_reads() holds bytes no fsync has made durable (a kill keeps the
  // page cache): what a recovery read is not all durable until it syncs it.
  bool read_not_durable() const;
  void fail_next_sync() { fail_next_sync_ = true; }
  // The last sync since begin_step() (of a file or a directory) had not completed when the power
  // went (the node was still busy with that step: its fsync had not returned): it is undone, so
  // power_cut() that follows loses what it would have made durable. Only the last one: the
  // storage code issues its operations one after another, so every earlier sync of the step had
  // returned before anything after it was written (undoing an earlier one too would keep bytes
  // written after a sync that never completed: a disk no power cut can leave). Called before
  // power_cut().
  void begin_step() { last_sync_.reset(); }
  void undo_step_syncs();
  bool step_synced() const { return last_sync_.has_value(); }
  // Simulated time the operations since the last take_busy() cost so far.
  Nanos busy() const { return busy_; }
  // The operations since busy() returned `mark` ran off the loop (a background job): their
  // time is not the step's.
  void discard_busy_since(Nanos mark) { busy_ = mark; }
  void set_timing(const DiskTiming& t) { timing_ = t; }
  const DiskTiming& timing() const { return timing_; }

  // Simulated time the operations since the last call cost.
  Nanos take_busy();
  // Bytes stored (page cache) in files whose path starts with `prefix`.
  uint64_t bytes_under(const std::string& prefix) const;
  const DiskCounters& counters() const { return counters_; }
  // Test access: the written and synced bytes of a file ("" if missing).
  std::string contents(const std::string& path) const;
  std::string synced_contents(const std::string& path) const;

 private:
  // What the process wrote (the page cache) and what is on the platter. Files grow by appends,
  // so the platter is usually a prefix of the page cache: `synced_len` bytes of it (no copy per
  // fsync). Only when a file is emptied by create() over unsynced-away bytes does the platter
  // differ from a prefix; then `platter` holds it until the next sync.
  struct Inode {
    std::string data;
    size_t synced_len = 0;
    size_t promised_len = 0;  // of the synced bytes, those an fsync or a truncate returned for
    std::optional<std::string> platter;
    std::string synced() const { return platter ? *platter : data.substr(0, synced_len); }
    size_t synced_size() const { return platter ? platter->size() : synced_len; }
    void sync(bool promise = true) {
      platter.reset();
      synced_len = data.size();
      if (promise) promised_len = synced_len;
    }
  };
  class File;
  friend class File;

  void charge(Nanos ns) { busy_ += static_cast<Nanos>(static_cast<double>(ns) * timing_.slow_factor); }
  void charge_bytes(size_t n) { charge(timing_.op + static_cast<Nanos>(static_cast<double>(n) * timing_.ns_per_byte)); }
  common::Status check_parent(const std::string& path) const;
  common::Result<std::unique_ptr<storage::WritableFile>> open(const std::string& path, bool truncate);

  common::Rng rng_;
  DiskTiming timing_;
  std::map<std::string, std::shared_ptr<Inode>> files_;          // current names
  std::map<std::string, std::shared_ptr<Inode>> durable_files_;  // names as of the last sync_dir
  std::set<std::string> dirs_;
  uint64_t incarnation_ = 0;  // bumped by kill and power_cut: older handles fail
  bool fail_next_sync_ = false;
  Nanos busy_ = 0;
  DiskCounters counters_;
  // What the last sync of the current step replaced: a file's synced length and platter, or (a
  // directory's sync) the durable names before it.
  struct SyncUndo {
    std::shared_ptr<Inode> inode;  // null: a directory's sync
    size_t synced_len = 0;
    size_t promised_len = 0;
    std::optional<std::string> platter;
    std::map<std::string, std::shared_ptr<Inode>> durable_files;
  };
  std::optional<SyncUndo> last_sync_;
  std::set<std::string> reads_;
};

}  // namespace sim
