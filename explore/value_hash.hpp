// SPDX-License-Identifier: Apache-2.0
// File: explore/value_hash.hpp (layer: explore)
// Structural hashing of plain model values (messages, disk entries) into a Hasher, field by
// field, without a hand-written hash per type: an aggregate's fields are counted at compile
// time and bound with structured bindings, so a field added to a message later is hashed
// without anyone remembering to. Types with a `hash_into(Hasher&)` member use it. The result
// is stable across platforms (core/hash.hpp): no pointer, no std::hash.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/distribution.hpp"
#include "core/hash.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"

namespace mqcheck::explore {

namespace detail {

// Converts to any field type; used only in unevaluated contexts to count an aggregate's fields.
struct AnyField {
  template <class T>
  operator T() const;  // NOLINT: implicit on purpose.
};

template <class T, std::size_t... I>
constexpr bool braces_with(std::index_sequence<I...>) {
  return requires { T{(static_cast<void>(I), AnyField{})...}; };
}

// The largest N for which T{AnyField x N} compiles: the number of fields of aggregate T.
// A field whose type is itself an aggregate takes one AnyField (the conversion is formed
// before brace elision is considered, [dcl.init.aggr]), so the count is exact.
inline constexpr std::size_t max_fields = 20;  // field_count() tries at most this many.

template <class T, std::size_t N = max_fields>
constexpr std::size_t field_count() {
  if constexpr (N == 0) {
    return 0;
  } else if constexpr (braces_with<T>(std::make_index_sequence<N>{})) {
    return N;
  } else {
    return field_count<T, N - 1>();
  }
}

template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsDeque : std::false_type {};
template <class T, class A>
struct IsDeque<std::deque<T, A>> : std::true_type {};
template <class T>
struct IsMap : std::false_type {};
template <class K, class V, class C, class A>
struct IsMap<std::map<K, V, C, A>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};
template <class T>
struct IsVariant : std::false_type {};
template <class... T>
struct IsVariant<std::variant<T...>> : std::true_type {};

}  // namespace detail

/// A renaming of node and message ids under which hash_value hashes (symmetry reduction,
/// explore/symmetry.hpp): every NodeId and MessageId met inside a hashed value is replaced by
/// its image first. Null (the default) hashes values as they are.
struct IdRenaming {
  virtual ~IdRenaming() = default;
  virtual NodeId node(NodeId n) const = 0;
  virtual MessageId message(MessageId id) const = 0;
};

namespace detail {
/// The renaming hash_value applies on this thread (RenamingScope sets it).
inline thread_local IdRenaming const* active_renaming = nullptr;
}  // namespace detail

/// Hashes under `r` while it lives (nested scopes restore the outer one).
class RenamingScope {
 public:
  explicit RenamingScope(IdRenaming const* r) : outer_(detail::active_renaming) {
    detail::active_renaming = r;
  }
  ~RenamingScope() { detail::active_renaming = outer_; }
  RenamingScope(RenamingScope const&) = delete;
  RenamingScope& operator=(RenamingScope const&) = delete;

 private:
  IdRenaming const* outer_;
};

template <class T>
void hash_value(Hasher& h, T const& value);

namespace detail {

// Folds each field in order.
template <class... F>
void hash_all(Hasher& h, F const&... fields) {
  (hash_value(h, fields), ...);
}

template <class T>
void hash_fields(Hasher& h, T const& v) {
  constexpr std::size_t n = field_count<T>();
  static_assert(n < max_fields, "hash_value: aggregates of 20 fields or more need a hash_into");
  // Each arm binds the fields by name; only the arm for this aggregate's count is compiled.
  if constexpr (n == 0) {
    return;
  } else if constexpr (n == 1) {
    auto const& [f1] = v;
    hash_all(h, f1);
  } else if constexpr (n == 2) {
    auto const& [f1, f2] = v;
    hash_all(h, f1, f2);
  } else if constexpr (n == 3) {
    auto const& [f1, f2, f3] = v;
    hash_all(h, f1, f2, f3);
  } else if constexpr (n == 4) {
    auto const& [f1, f2, f3, f4] = v;
    hash_all(h, f1, f2, f3, f4);
  } else if constexpr (n == 5) {
    auto const& [f1, f2, f3, f4, f5] = v;
    hash_all(h, f1, f2, f3, f4, f5);
  } else if constexpr (n == 6) {
    auto const& [f1, f2, f3, f4, f5, f6] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6);
  } else if constexpr (n == 7) {
    auto const& [f1, f2, f3, f4, f5, f6, f7] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7);
  } else if constexpr (n == 8) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8);
  } else if constexpr (n == 9) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9);
  } else if constexpr (n == 10) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10);
  } else if constexpr (n == 11) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11);
  } else if constexpr (n == 12) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12);
  } else if constexpr (n == 13) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13);
  } else if constexpr (n == 14) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14);
  } else if constexpr (n == 15) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15);
  } else if constexpr (n == 16) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16);
  } else if constexpr (n == 17) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17);
  } else if constexpr (n == 18) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17,
        f18] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18);
  } else if constexpr (n == 19) {
    auto const& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19] = v;
    hash_all(h, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19);
  }
}

}  // namespace detail

/// Folds `value` into `h`: integers, enums and bools by value, strings by content, containers
/// element by element with their length, variants by alternative and content, types with a
/// `hash_into` member through it, and any other aggregate field by field in declaration order.
/// Equal values hash equal; the digest does not depend on the platform.
template <class T>
void hash_value(Hasher& h, T const& value) {
  using namespace detail;
  if constexpr (requires { value.hash_into(h); }) {
    value.hash_into(h);
  } else if constexpr (std::is_same_v<T, NodeId>) {  // As the aggregate it is, renamed.
    IdRenaming const* r = active_renaming;
    h.add(static_cast<std::uint64_t>(r != nullptr ? r->node(value).value : value.value));
  } else if constexpr (std::is_same_v<T, MessageId>) {
    IdRenaming const* r = active_renaming;
    h.add(static_cast<std::uint64_t>(r != nullptr ? r->message(value).value : value.value));
  } else if constexpr (std::is_same_v<T, bool>) {
    h.add(value ? 1u : 0u);
  } else if constexpr (std::is_enum_v<T>) {
    h.add(static_cast<std::uint64_t>(value));
  } else if constexpr (std::is_integral_v<T>) {
    h.add(static_cast<std::uint64_t>(value));
  } else if constexpr (std::is_same_v<T, std::string>) {
    h.add(std::string_view(value));
  } else if constexpr (std::is_same_v<T, DurationUs>) {
    h.add(static_cast<std::uint64_t>(value.us));
  } else if constexpr (std::is_same_v<T, SimTimeUs>) {
    h.add(static_cast<std::uint64_t>(value.us));
  } else if constexpr (IsVector<T>::value || IsDeque<T>::value || IsMap<T>::value) {
    h.add_each(value, [](Hasher& g, auto const& item) { hash_value(g, item); });
  } else if constexpr (IsOptional<T>::value) {
    h.add(value.has_value() ? 1u : 0u);
    if (value) hash_value(h, *value);
  } else if constexpr (IsPair<T>::value) {
    hash_value(h, value.first);
    hash_value(h, value.second);
  } else if constexpr (IsVariant<T>::value) {
    h.add(value.index());
    std::visit([&h](auto const& alt) { hash_value(h, alt); }, value);
  } else {
    static_assert(std::is_aggregate_v<T>, "hash_value: give this type a hash_into member");
    hash_fields(h, value);
  }
}

/// Returns the digest of `value` alone.
template <class T>
std::uint64_t digest_of(T const& value) {
  Hasher h;
  hash_value(h, value);
  return h.digest();
}

}  // namespace mqcheck::explore
