#include "sim/sim_clients.h"

#include <deque>
#include <vector>

#include "cluster/client/clerk_core.h"
#include "sim/frames_codec.h"

namespace sim {

class SimClient final : public harness::sut::Client {
 public:
  SimClient(SimClients& owner, int index, const harness::sut::ClientOptions& o)
      : owner_(owner), endpoint_(client_endpoint(index)), core_(core_options(owner, o)) {
    owner_.net_.attach(endpoint_, [this](int from, Frames&& frames) {
      if (from < 0 || from >= owner_.nodes_) return;
      inbox_.push_back({static_cast<size_t>(from), std::move(frames)});
      owner_.clock_.wake_all(waiters_);
    });
  }
  ~SimClient() override { owner_.net_.detach(endpoint_); }

  harness::sut::OpResult invoke(harness::sut::OpKind kind, const std::string& key,
                                const std::string& value, int64_t deadline_ns) override {
    SimClock& clock = owner_.clock_;
    inbox_.clear();
    core_.start_op(op_of(kind), key, value, clock.now_ns(), deadline_ns);
    std::optional<client::OpResult> result;
    for (;;) {
      for (auto& s : core_.take_sends()) {
        owner_.net_.send(endpoint_, static_cast<int>(s.server), std::move(s.frames));
      }
      result = core_.take_result();
      if (result) break;
      const int64_t wake = core_.next_wakeup_ns();
      clock.block([this] { return !inbox_.empty(); }, wake == INT64_MAX ? -1 : wake, waiters_);
      while (!inbox_.empty()) {
        Reply r = std::move(inbox_.front());
        inbox_.pop_front();
        core_.on_reply(r.server, std::move(r.frames), clock.now_ns());
      }
      core_.on_time(clock.now_ns());
    }
    owner_.attempts_ += static_cast<uint64_t>(result->attempts);
    harness::sut::OpResult out;
    out.outcome = result->outcome == client::Outcome::kOk ? harness::sut::Outcome::kOk
                                                          : harness::sut::Outcome::kUnknown;
    out.value = std::move(result->value);
    return out;
  }

 private:
  struct Reply {
    size_t server;
    std::vector<std::string> frames;
  };
  static client::ClerkCoreOptions core_options(SimClients& owner, const harness::sut::ClientOptions& o) {
    client::ClerkCoreOptions c;
    c.servers = static_cast<size_t>(owner.nodes_);
    c.attempt_timeout_ns = o.attempt_timeout_ns;
    c.client_id = o.client_id ? o.client_id : 1;
    return c;
  }
  static wire::OpKind op_of(harness::sut::OpKind k) {
    switch (k) {
      case harness::sut::OpKind::kGet: return wire::OpKind::kGet;
      case harness::sut::OpKind::kPut: return wire::OpKind::kPut;
      case harness::sut::OpKind::kAppend: return wire::OpKind::kAppend;
    }
    return wire::OpKind::kGet;
  }

  SimClients& owner_;
  int endpoint_;
  client::ClerkCore core_;
  std::deque<Reply> inbox_;
  Waiters waiters_;
};

std::unique_ptr<harness::sut::Client> SimClients::make(const harness::sut::ClientOptions& options) {
  const int index = next_++;
  seam_.register_client(options.name, index);
  return std::make_unique<SimClient>(*this, index, options);
}

}  // namespace sim
