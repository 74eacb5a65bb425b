#pragma once
// SimClients: the seam's Clients (harness/sut/clients.h) in the simulation. Each client is the real
// client::ClerkCore (leader hints, retries, attempt timeouts, sequence numbers) driven by the task
// that calls invoke(): its sends go into the SimNetwork from the client's own endpoint, its
// replies come back as network deliveries, and the task parks on the SimClock between them until
// the core has an outcome or the deadline passed. Owned by the SimSystem; single thread.
#include <memory>
#include <string>

#include "harness/sut/clients.h"
#include "sim/network.h"
#include "sim/seam_network.h"
#include "sim/sim_clock.h"

namespace sim {

class SimClients final : public harness::sut::Clients {
 public:
  SimClients(SimClock& clock, SimNetwork& net, SeamNetwork& seam, int nodes)
      : clock_(clock), net_(net), seam_(seam), nodes_(nodes) {}
  std::unique_ptr<harness::sut::Client> make(const harness::sut::ClientOptions& options) override;
  int made() const { return next_; }
  uint64_t attempts() const { return attempts_; }

 private:
  friend class SimClient;
  SimClock& clock_;
  SimNetwork& net_;
  SeamNetwork& seam_;
  int nodes_;
  int next_ = 0;
  uint64_t attempts_ = 0;
};

}  // namespace sim
