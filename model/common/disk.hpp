// SPDX-License-Identifier: Apache-2.0
// File: model/common/disk.hpp (layer: model)
// A node's disk as the kernel keeps it: append-only files of model-defined entries, each
// with the length that has been fsynced. A process crash keeps every write (the page cache
// survives); a power loss keeps only the synced prefix. The kernel owns the disk; a model
// reads it only when it recovers, so fault semantics live in one place (sim/). A file is a
// Chunked sequence (chunked.hpp): appending never moves the entries already written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/assert.hpp"
#include "model/common/chunked.hpp"

namespace mqcheck::model {

using FileId = std::uint32_t;

template <class Entry>
struct DiskFile {
  Chunked<Entry> entries;
  std::size_t synced = 0;  // Invariant: synced <= entries.size().
  bool operator==(DiskFile const&) const = default;
};

template <class Entry>
class Disk {
 public:
  using File = std::pair<FileId, DiskFile<Entry>>;

  void append(FileId file, Entry&& entry) { slot(file).entries.push_back(std::move(entry)); }
  void append(FileId file, Entry const& entry) { append(file, Entry(entry)); }

  /// Cuts `file` to its first `length` entries (log truncation); the cut is durable at once.
  void truncate(FileId file, std::size_t length) {
    DiskFile<Entry>& f = slot(file);
    if (length < f.entries.size()) f.entries.truncate(length);
    if (f.synced > f.entries.size()) f.synced = f.entries.size();
  }

  /// Makes every write so far durable, in every file of this node.
  void fsync() {
    for (auto& [id, f] : files_) f.synced = f.entries.size();
  }

  /// Returns how many writes a power loss now would lose.
  std::size_t unsynced() const {
    std::size_t n = 0;
    for (auto const& [id, f] : files_) n += f.entries.size() - f.synced;
    return n;
  }

  /// Drops every unsynced write: what a power loss leaves.
  void lose_unsynced() {
    for (auto& [id, f] : files_) {
      f.entries.truncate(f.synced);
      MQCHECK_ASSERT(f.synced == f.entries.size());
    }
  }

  /// Returns the entries of `file` (empty when never written).
  Chunked<Entry> const& entries(FileId file) const {
    static Chunked<Entry> const none;
    std::size_t const i = find(file);
    return i == files_.size() ? none : files_[i].second.entries;
  }

  /// Returns every file as (id, file) pairs in ascending id order (so a fingerprint of it is
  /// canonical, as the std::map this replaced gave it).
  std::vector<File> const& files() const { return files_; }

  bool operator==(Disk const&) const = default;

 private:
  // Returns the index of `file` in files_, or files_.size(). Models number their files
  // densely from 0, so file i usually sits at index i: one comparison instead of the map
  // lookup every append used to pay; otherwise a binary search.
  std::size_t find(FileId file) const {
    if (file < files_.size() && files_[file].first == file) return file;
    auto const it = std::lower_bound(files_.begin(), files_.end(), file,
                                     [](File const& f, FileId id) { return f.first < id; });
    return it != files_.end() && it->first == file ? static_cast<std::size_t>(it - files_.begin())
                                                   : files_.size();
  }
  DiskFile<Entry>& slot(FileId file) {
    std::size_t const i = find(file);
    if (i != files_.size()) return files_[i].second;
    auto const it = std::lower_bound(files_.begin(), files_.end(), file,
                                     [](File const& f, FileId id) { return f.first < id; });
    return files_.insert(it, File{file, DiskFile<Entry>{}})->second;
  }

  std::vector<File> files_;  // Ascending by id: the explorer hashes it.
};

}  // namespace mqcheck::model
