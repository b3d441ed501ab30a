// The entries of one large BPF hash map as userspace keeps them: keys sorted by their bytes (the
// order the publisher diffs two generations in, side by side), each value packed to the bytes
// that carry information. An xgslb_rrset is ~2 KB because it has room for 32 AAAA records twice,
// but a GSLB host's set is one record: at 100k hosts the full values were 400 MB, allocated node
// by node in an ordered map. Packed they are a few tens of octets in one array, and the full
// value exists only while it is being written (Packing::expand, into the writer's batch buffer).
//
// Packing is a struct of three static functions:
//   size_t pack(const Value&, uint8_t* out)        at most Packing::kMaxPacked octets
//   void expand(std::span<const uint8_t>, Value&)  into a zeroed Value; the exact value packed
//   void clear(std::span<const uint8_t>, Value&)   zeroes what expand wrote (buffers are reused)
// Two values are equal iff their packed bytes are: pack is a function of the value's bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace xgslb {

template <typename Key, typename Value, typename Packing>
class PackedEntries {
    static_assert(std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<Value>);

public:
    using key_type = Key;
    using mapped_type = Value;
    static constexpr size_t npos = static_cast<size_t>(-1);

    size_t size() const { return keys_.size(); }
    bool empty() const { return keys_.empty(); }
    void reserve(size_t entries, size_t packed_octets) {
        keys_.reserve(entries);
        ends_.reserve(entries);
        bytes_.reserve(packed_octets);
    }

    // Appends in key order (the caller's job; checked by sorted() in tests), packing `value`.
    void append(const Key& key, const Value& value) {
        uint8_t buf[Packing::kMaxPacked];
        append_packed(key, {buf, Packing::pack(value, buf)});
    }
    // Appends bytes packed before (another generation's entry).
    void append_packed(const Key& key, std::span<const uint8_t> packed) {
        bytes_.insert(bytes_.end(), packed.begin(), packed.end());
        push(key);
    }
    // Appends all of `other`, whose keys all follow this one's.
    void append_entries(const PackedEntries& other) {
        const auto base = static_cast<uint32_t>(bytes_.size());
        keys_.insert(keys_.end(), other.keys_.begin(), other.keys_.end());
        for (uint32_t end : other.ends_) ends_.push_back(base + end);
        bytes_.insert(bytes_.end(), other.bytes_.begin(), other.bytes_.end());
    }
    // Appends a value read back from the kernel: packed when packing reproduces it byte for
    // byte (it does for every value this code wrote), else as unknown.
    void append_read_back(const Key& key, const Value& value) {
        uint8_t buf[Packing::kMaxPacked];
        const size_t n = Packing::pack(value, buf);
        Value again;
        std::memset(&again, 0, sizeof again);
        Packing::expand({buf, n}, again);
        if (std::memcmp(&again, &value, sizeof value) == 0)
            append_packed(key, {buf, n});
        else
            append_unknown(key);
    }
    // Appends a key whose value equals no packed value: the diff then always writes it. For
    // values read back from the kernel that packing would not reproduce byte for byte.
    void append_unknown(const Key& key) { push(key); }

    const Key& key(size_t i) const { return keys_[i]; }
    std::span<const uint8_t> packed(size_t i) const {
        const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
        return {bytes_.data() + begin, ends_[i] - begin};
    }
    Value value(size_t i) const {
        Value v;
        std::memset(&v, 0, sizeof v);
        const auto p = packed(i);
        if (!p.empty()) Packing::expand(p, v);
        return v;
    }
    bool same_value(size_t i, const PackedEntries& other, size_t j) const {
        const auto a = packed(i), b = other.packed(j);
        return !a.empty() && a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    }

    // A full value from packed bytes, into a zeroed `out`; and zeroed again after use.
    static void packing_expand(std::span<const uint8_t> packed, Value& out) { Packing::expand(packed, out); }
    static void packing_clear(std::span<const uint8_t> packed, Value& out) { Packing::clear(packed, out); }

    static bool less(const Key& a, const Key& b) { return std::memcmp(&a, &b, sizeof(Key)) < 0; }
    size_t find(const Key& key) const {
        const auto it = std::lower_bound(keys_.begin(), keys_.end(), key, less);
        return it != keys_.end() && !less(key, *it) ? static_cast<size_t>(it - keys_.begin()) : npos;
    }
    size_t count(const Key& key) const { return find(key) == npos ? 0 : 1; }
    Value at(const Key& key) const {
        const size_t i = find(key);
        if (i == npos) throw std::out_of_range("PackedEntries::at: no such key");
        return value(i);
    }
    bool sorted() const {
        for (size_t i = 1; i < keys_.size(); ++i)
            if (!less(keys_[i - 1], keys_[i])) return false;
        return true;
    }

    // Entries appended out of order (a map dump comes in hash-bucket order) put in key order.
    void sort() {
        if (sorted()) return;
        std::vector<size_t> order(keys_.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return less(keys_[a], keys_[b]); });
        PackedEntries out;
        out.reserve(keys_.size(), bytes_.size());
        for (size_t i : order) out.append_packed(keys_[i], packed(i));
        *this = std::move(out);
    }

    // For tests and tools: (key, full value) in key order. Values are expanded on the way.
    class const_iterator {
    public:
        const_iterator(const PackedEntries* e, size_t i) : e_(e), i_(i) {}
        std::pair<Key, Value> operator*() const { return {e_->key(i_), e_->value(i_)}; }
        const_iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator==(const const_iterator& o) const { return i_ == o.i_; }

    private:
        const PackedEntries* e_;
        size_t i_;
    };
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size()}; }

private:
    void push(const Key& key) {
        keys_.push_back(key);
        ends_.push_back(static_cast<uint32_t>(bytes_.size()));
    }

    std::vector<Key> keys_;
    std::vector<uint32_t> ends_;  // entry i's packed bytes are [ends_[i-1], ends_[i]) of bytes_
    std::vector<uint8_t> bytes_;
};

}  // namespace xgslb
