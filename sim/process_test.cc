#include "sim/process.h"

#include <gtest/gtest.h>

#include "sim/seeds.h"

namespace sim {
namespace {

// Counts its ticks; answers every message with the count.
class Counter : public Process {
 public:
  explicit Counter(int* ticks) : ticks_(ticks) {}
  void receive(int from, Frames frames, Nanos, Outbox& out) override {
    out.send(from, {frames.at(0) + ":" + std::to_string(*ticks_)}, true);
  }
  void tick(Nanos, Outbox&) override { ++*ticks_; }

 private:
  int* ticks_;
};

struct Fixture {
  Fixture() : net(loop, Seeds(1).stream("network"), 1) {
    LinkQuality q;
    q.latency = {kMilli, kMilli, 0, 0};
    net.set_baseline(q);
    ProcessTiming t;
    t.tick_interval = 10 * kMilli;
    t.cpu_cost = 10 * kMicro;
    host = std::make_unique<ProcessHost>(loop, net, 0, nullptr, t, [this](Nanos) {
      ++made;
      ticks = 0;
      return std::make_unique<Counter>(&ticks);
    });
    net.attach(client_endpoint(0), [this](int, Frames&& f) {
      replies.push_back(f.at(0));
      reply_at.push_back(loop.now());
    });
  }
  void ping(const std::string& what) { net.send(client_endpoint(0), 0, {what}); }
  EventLoop loop;
  SimNetwork net;
  std::unique_ptr<ProcessHost> host;
  int made = 0;
  int ticks = 0;
  std::vector<std::string> replies;
  std::vector<Nanos> reply_at;
};

TEST(ProcessHost, TicksAtItsIntervalAndItsClockRate) {
  Fixture f;
  ASSERT_TRUE(f.host->start());
  f.loop.run_until(kSecond + kMilli);
  EXPECT_EQ(f.ticks, 100);
  f.host->set_clock_rate(2.0);  // a fast clock: twice the ticks, local time runs ahead
  f.loop.run_until(2 * kSecond + kMilli);
  EXPECT_NEAR(f.ticks, 300, 2);  // the tick already due at the old interval comes first
  EXPECT_GT(f.host->local_now(), f.loop.now() + kSecond / 2);
}

TEST(ProcessHost, APausedProcessQueuesItsInputsAndAnswersOnResume) {
  Fixture f;
  ASSERT_TRUE(f.host->start());
  f.loop.run_until(100 * kMilli + kMicro);
  f.host->pause();
  f.ping("a");
  f.loop.run_until(500 * kMilli);
  EXPECT_TRUE(f.replies.empty());
  EXPECT_EQ(f.ticks, 10);  // no ticks while stopped
  f.host->resume();
  f.loop.run_until(600 * kMilli);
  ASSERT_EQ(f.replies.size(), 1u);
  EXPECT_EQ(f.replies[0], "a:10");
}

TEST(ProcessHost, AKilledProcessLosesItsStateAndRestartsFresh) {
  Fixture f;
  ASSERT_TRUE(f.host->start());
  f.loop.run_until(55 * kMilli);
  f.host->kill();
  EXPECT_FALSE(f.host->up());
  f.ping("lost");
  f.loop.run_until(200 * kMilli);
  EXPECT_TRUE(f.replies.empty());
  EXPECT_EQ(f.net.counters().unreachable, 1u);
  ASSERT_TRUE(f.host->start());
  EXPECT_EQ(f.made, 2);
  EXPECT_EQ(f.ticks, 0);
  f.loop.run_until(235 * kMilli);
  f.ping("b");
  f.loop.run_until(300 * kMilli);
  ASSERT_EQ(f.replies.size(), 1u);
  EXPECT_EQ(f.replies[0], "b:3");
}

TEST(ProcessHost, ASlowProcessAnswersLate) {
  Fixture f;
  ASSERT_TRUE(f.host->start());
  f.loop.run_until(5 * kMilli);
  f.ping("fast");
  f.loop.run_until(8 * kMilli);
  f.host->set_speed(0.001);  // 10 us of work now takes 10 ms
  f.ping("slow");
  f.loop.run_until(100 * kMilli);
  ASSERT_EQ(f.reply_at.size(), 2u);
  EXPECT_LT(f.reply_at[0] - 5 * kMilli, 3 * kMilli);
  EXPECT_GE(f.reply_at[1] - 8 * kMilli, 10 * kMilli);
}

// Answers "before" ahead of an fsync of `disk` (which takes 5 ms) and "after" once it returned.
class Syncer : public Process {
 public:
  explicit Syncer(SimDisk* disk) : disk_(disk) {}
  void receive(int from, Frames, Nanos, Outbox& out) override {
    out.send(from, {"before"}, true);
    out.sync_point();
    auto f = disk_->open_append("/d/log");
    if (f && (*f)->append("entry")) (void)(*f)->sync();
    out.send(from, {"after"}, true);
  }
  void tick(Nanos, Outbox&) override {}

 private:
  SimDisk* disk_;
};

// One node endpoint on 1 us links, with a disk whose fsyncs take 5 ms.
struct DiskWorld {
  static DiskTiming five_ms_fsyncs() {
    DiskTiming t;
    t.fsync_min = t.fsync_max = 5 * kMilli;
    return t;
  }
  DiskWorld() : net(loop, Seeds(1).stream("network"), 1), disk(Seeds(1).stream("disk", 0), five_ms_fsyncs()) {
    LinkQuality q;
    q.latency = {kMicro, kMicro, 0, 0};
    net.set_baseline(q);
  }
  EventLoop loop;
  SimNetwork net;
  SimDisk disk;
};

TEST(ProcessHost, WhatIsSentBeforeAnFsyncLeavesWhileItRunsAndTheRestNeverIfTheNodeDiesFirst) {
  for (bool die : {false, true}) {
    DiskWorld w;
    ASSERT_TRUE(w.disk.create_dirs("/d"));
    EventLoop& loop = w.loop;
    SimNetwork& net = w.net;
    SimDisk& disk = w.disk;
    ProcessHost host(loop, net, 0, &disk, ProcessTiming{}, [&](Nanos) { return std::make_unique<Syncer>(&disk); });
    std::vector<std::string> got;
    net.attach(client_endpoint(0), [&](int, Frames&& f) { got.push_back(f.at(0)); });
    ASSERT_TRUE(host.start());
    loop.run_until(kMilli);
    net.send(client_endpoint(0), 0, {"go"});
    loop.run_until(3 * kMilli);  // inside the 5 ms fsync
    EXPECT_EQ(got.size(), 1u) << "die=" << die;
    if (die) {
      host.kill();
      EXPECT_TRUE(host.killed_mid_sync());
      disk.undo_step_syncs();
      disk.power_cut();
    }
    loop.run_until(20 * kMilli);
    const std::vector<std::string> want = die ? std::vector<std::string>{"before"}
                                              : std::vector<std::string>{"before", "after"};
    EXPECT_EQ(got, want);
    if (die) EXPECT_EQ(disk.synced_contents("/d/log"), "");
    else EXPECT_EQ(disk.synced_contents("/d/log"), "entry");
  }
}

// Records each step as the inputs it took ("a,b|c|..."); every step fsyncs (5 ms), so what
// arrives meanwhile waits for the next step.
class Batcher : public Process {
 public:
  Batcher(SimDisk* disk, std::string* steps) : disk_(disk), steps_(steps) {}
  void receive(int, Frames frames, Nanos, Outbox&) override { step_.push_back(frames.at(0)); }
  void tick(Nanos, Outbox&) override {}
  void end_step(Nanos, Outbox&) override {
    if (step_.empty()) return;
    auto f = disk_->open_append("/d/log");
    if (f && (*f)->append("x")) (void)(*f)->sync();
    if (!steps_->empty()) *steps_ += '|';
    for (size_t i = 0; i < step_.size(); ++i) *steps_ += (i ? "," : "") + step_[i];
    step_.clear();
  }

 private:
  SimDisk* disk_;
  std::string* steps_;
  std::vector<std::string> step_;
};

TEST(ProcessHost, InputsThatArriveDuringAStepAreTakenTogetherInTheNextUpToTheLimit) {
  for (int limit : {4096, 2, 1}) {
    DiskWorld w;
    ASSERT_TRUE(w.disk.create_dirs("/d"));
    EventLoop& loop = w.loop;
    SimNetwork& net = w.net;
    SimDisk& disk = w.disk;
    ProcessTiming timing;
    timing.tick_interval = kSecond;
    timing.max_inputs_per_step = limit;
    std::string steps;
    ProcessHost host(loop, net, 0, &disk, timing, [&](Nanos) { return std::make_unique<Batcher>(&disk, &steps); });
    ASSERT_TRUE(host.start());
    loop.run_until(kMilli);
    net.send(client_endpoint(0), 0, {"a"});
    loop.run_until(2 * kMilli);  // "a"'s step is in its fsync
    for (const char* m : {"b", "c", "d"}) net.send(client_endpoint(0), 0, {m});
    loop.run_until(100 * kMilli);
    const std::string want = limit == 4096 ? "a|b,c,d" : limit == 2 ? "a|b,c|d" : "a|b|c|d";
    EXPECT_EQ(steps, want) << "max_inputs_per_step " << limit;
  }
}

}  // namespace
}  // namespace sim
