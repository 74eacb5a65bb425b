#pragma once
// EventLoop: the simulated world's only notion of time and order. Events are callbacks due at a
// simulated time (nanoseconds from the start of the run); they run one at a time, in order of
// (time, sequence number), so two events due at the same moment run in the order they were
// scheduled. Nothing here reads a wall clock or starts a thread: a run is a pure function of the
// events scheduled, which is what makes a seed replay exactly.
//
// EventHash: every event that runs is folded into a 64-bit hash (its time, its kind tag and
// whatever the event itself folds in with note()); two runs of one seed must end with the same
// hash. madsim's determinism check and TigerBeetle's VOPR do the same.
//
// Owned by the World of one run; single thread.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <new>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sim {

using Nanos = int64_t;
constexpr Nanos kMicro = 1'000;
constexpr Nanos kMilli = 1'000'000;
constexpr Nanos kSecond = 1'000'000'000;

// A 64-bit running hash (a multiply-xorshift mix of every value folded in). Order-sensitive.
class EventHash {
 public:
  void fold(uint64_t v) {
    h_ ^= v + 0x9e3779b97f4a7c15ULL + (h_ << 6) + (h_ >> 2);
    h_ *= 0xff51afd7ed558ccdULL;
    h_ ^= h_ >> 33;
  }
  void fold_bytes(std::string_view bytes);
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

// EventCallback: a move-only void() callable for the event loop. A callable of up to 64 bytes (a
// few pointers and ids, or a message's std::string and its endpoints: what every event of the
// simulation captures) is stored inline, without the heap allocation std::function makes for
// anything larger than two pointers; a larger one goes to the heap. Owned by its event; single
// thread.
class EventCallback {
 public:
  static constexpr size_t kInlineBytes = 64;

  EventCallback() = default;
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, EventCallback> && std::is_invocable_r_v<void, D&>>>
  EventCallback(F&& f) {  // NOLINT: implicit, like std::function
    if constexpr (sizeof(D) <= kInlineBytes && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      ::new (static_cast<void*>(buf_)) D*(new D(std::forward<F>(f)));
      ops_ = &kHeapOps<D>;
    }
  }
  EventCallback(EventCallback&& o) noexcept : ops_(o.ops_) {
    if (ops_) ops_->move(buf_, o.buf_);
    o.ops_ = nullptr;
  }
  EventCallback& operator=(EventCallback&& o) noexcept {
    if (this != &o) {
      reset();
      ops_ = o.ops_;
      if (ops_) ops_->move(buf_, o.buf_);
      o.ops_ = nullptr;
    }
    return *this;
  }
  EventCallback(const EventCallback&) = delete;
  EventCallback& operator=(const EventCallback&) = delete;
  ~EventCallback() { reset(); }

  void operator()() { ops_->call(buf_); }
  explicit operator bool() const { return ops_ != nullptr; }
  void reset() {
    if (ops_) ops_->destroy(buf_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*call)(void* self);
    void (*move)(void* to, void* from);  // move-constructs `to` and destroys `from`
    void (*destroy)(void* self);
  };
  template <class D>
  static constexpr Ops kInlineOps = {
      [](void* self) { (*static_cast<D*>(self))(); },
      [](void* to, void* from) {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* self) { static_cast<D*>(self)->~D(); },
  };
  template <class D>
  static constexpr Ops kHeapOps = {
      [](void* self) { (**static_cast<D**>(self))(); },
      [](void* to, void* from) { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* self) { delete *static_cast<D**>(self); },
  };

  alignas(std::max_align_t) unsigned char buf_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

// Stable tags naming event kinds (folded into the hash; also useful when debugging).
enum class EventKind : uint32_t {
  kTick = 1, kDeliver, kDisk, kNemesis, kClient, kTimer, kControl, kProcess,
};

class EventLoop {
 public:
  using Callback = EventCallback;

  Nanos now() const { return now_; }
  // Schedules `fn` at `at` (clamped to now: the past cannot be changed). Returns its sequence
  // number, which cancel() takes.
  uint64_t at(Nanos at, EventKind kind, Callback fn);
  uint64_t after(Nanos delay, EventKind kind, Callback fn) { return at(now_ + delay, kind, std::move(fn)); }
  // A cancelled event is skipped (and not hashed) when its time comes.
  void cancel(uint64_t seq);

  // Runs the next event; false when there is none.
  bool step();
  // Runs every event due at or before `until`, then sets the time to `until`.
  void run_until(Nanos until);
  // Runs events until `done()` holds (checked after each event) or time would pass `until`;
  // returns done().
  bool run_until(const std::function<bool()>& done, Nanos until);

  // Folds a value into the hash of the event now running (a message's bytes, a decision drawn).
  void note(uint64_t v) { hash_.fold(v); }
  void note_bytes(std::string_view bytes) { hash_.fold_bytes(bytes); }
  uint64_t hash() const { return hash_.value(); }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return queue_.size(); }

 private:
  // The queue is a 4-ary min-heap of small entries (half the depth of a binary heap: fewer
  // unpredictable comparisons per event); each event's callback stays put in a slot of
  // slots_ (a deque: slots never move, so a callback runs in place while it schedules others),
  // and a slot is reused once its event ran.
  struct Event {
    Nanos at;
    uint64_t seq;
    uint32_t slot;
    EventKind kind;
  };
  static bool earlier(const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  }
  void push_event(const Event& e);
  Event pop_event();  // the earliest; the queue is not empty
  std::vector<Event> queue_;  // the front is the next event
  std::deque<Callback> slots_;
  std::vector<uint32_t> free_slots_;
  std::unordered_set<uint64_t> cancelled_;  // erased when the event's time comes
  Nanos now_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  EventHash hash_;
};

}  // namespace sim
