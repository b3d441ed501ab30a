// A hash index from name keys (lowercase wire octets, NameKey) to small values (a zone's nodes):
// open addressing in one array, keys viewed in storage the owner keeps alive and unmoved (the
// nodes' own names; an ancestor's key is a suffix of its descendant's). A node-based hash map
// with std::string keys cost two allocations per name, 400k of them at 100k GSLB hosts.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace xgslb {

template <typename V>
class NameIndex {
public:
    size_t size() const { return used_; }

    // The value stored for `key`; null when absent.
    const V* find(std::string_view key) const { return const_cast<NameIndex*>(this)->find(key); }
    V* find(std::string_view key) {
        if (slots_.empty()) return nullptr;
        const uint32_t h = hash(key);
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.data) return nullptr;
            if (s.hash == h && std::string_view(s.data, s.len) == key) return &s.value;
        }
    }

    // Adds `key` -> `value` unless `key` is there; returns whether it was added. `key` must stay
    // valid and unmoved as long as the index is used.
    bool insert(std::string_view key, V value) {
        if ((used_ + 1) * 4 > slots_.size() * 3) grow();
        const uint32_t h = hash(key);
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.data) {
                s = {key.data(), static_cast<uint32_t>(key.size()), h, value};
                ++used_;
                return true;
            }
            if (s.hash == h && std::string_view(s.data, s.len) == key) return false;
        }
    }

    void reserve(size_t entries) {
        while (entries * 4 > slots_.size() * 3) grow();
    }

private:
    // At most 2^32 slots, so 32 bits of hash choose the first one.
    static uint32_t hash(std::string_view key) { return static_cast<uint32_t>(std::hash<std::string_view>{}(key)); }

    struct Slot {
        const char* data = nullptr;  // null: empty slot (a key is never null: the root is "\0")
        uint32_t len = 0;
        uint32_t hash = 0;
        V value{};
    };

    void grow() {
        std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.empty() ? 64 : slots_.size() * 2));
        mask_ = slots_.size() - 1;
        for (const Slot& s : old) {
            if (!s.data) continue;
            size_t i = s.hash & mask_;
            while (slots_[i].data) i = (i + 1) & mask_;
            slots_[i] = s;
        }
    }

    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t used_ = 0;
};

}  // namespace xgslb
