#include "sim/fiber.h"

#include <cstdint>
#include <stdexcept>

namespace sim {

namespace {
thread_local Fiber* g_current = nullptr;  // per thread: --jobs runs whole seeds on separate threads
}

Fiber::Fiber(std::function<void()> body, size_t stack_bytes)
    : body_(std::move(body)), stack_(new char[stack_bytes]), stack_bytes_(stack_bytes) {}

Fiber::~Fiber() {
  if (started_ && !done_) cancel();
}

Fiber* Fiber::current() { return g_current; }

void Fiber::trampoline(unsigned lo, unsigned hi) {
  Fiber* self = reinterpret_cast<Fiber*>((static_cast<uintptr_t>(hi) << 32) | lo);
  try {
    self->body_();
  } catch (const FiberCancelled&) {
  } catch (...) {
    self->error_ = std::current_exception();
  }
  self->done_ = true;
  // Returning resumes uc_link (the caller of the last resume).
}

void Fiber::resume() {
  if (done_) return;
  if (g_current != nullptr) throw std::logic_error("a fiber resumed from inside another fiber");
  if (!started_) {
    started_ = true;
    getcontext(&context_);
    context_.uc_stack.ss_sp = stack_.get();
    context_.uc_stack.ss_size = stack_bytes_;
    context_.uc_link = &caller_;
    const uintptr_t p = reinterpret_cast<uintptr_t>(this);
    makecontext(&context_, reinterpret_cast<void (*)()>(&Fiber::trampoline), 2,
                static_cast<unsigned>(p & 0xffffffffu), static_cast<unsigned>(p >> 32));
  }
  g_current = this;
  swapcontext(&caller_, &context_);
  g_current = nullptr;
  if (done_) stack_.reset();
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void Fiber::cancel() {
  cancelled_ = true;
  if (started_ && !done_) resume();
}

void Fiber::park() {
  Fiber* self = g_current;
  if (self == nullptr) throw std::logic_error("park() outside a fiber");
  if (self->cancelled_) throw FiberCancelled{};
  swapcontext(&self->context_, &self->caller_);
  if (self->cancelled_) throw FiberCancelled{};
}

}  // namespace sim
