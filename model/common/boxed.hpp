// SPDX-License-Identifier: Apache-2.0
// File: model/common/boxed.hpp (layer: model)
// A plain value kept behind a pointer, for the fields only rare disk entries use: an empty box
// is one null pointer, and reads as a default T. Kafka's disk Entry (kafka/messages.hpp) keeps
// its partition-state and transaction fields in one, so the entry written per record and
// replica is 72 bytes, not 144: at 1,000,000 messages about 0.3 GB less to fault in.
// A value: copies copy T, == compares the values (an empty box equals a box of T{}), and
// hash_into folds in the value (T's own hash_into), so an empty box and one of T{} hash alike.
#pragma once

#include <memory>
#include <utility>

namespace mqcheck::model {

template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(Boxed const& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed const& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;

  /// The value: a default T when the box is empty.
  T const& get() const { return p_ ? *p_ : empty(); }
  /// The value to change, allocated (as T{}) on first use.
  T& edit() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
  }

  bool operator==(Boxed const& o) const { return get() == o.get(); }
  template <class Hasher>
  void hash_into(Hasher& h) const {
    get().hash_into(h);
  }

 private:
  static T const& empty() {
    static T const none{};
    return none;
  }
  std::unique_ptr<T> p_;
};

}  // namespace mqcheck::model
