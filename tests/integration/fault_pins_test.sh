#!/usr/bin/env bash
# Fault: the instance's pins removed from bpffs (rm -rf /sys/fs/bpf/xgslb/<instance>). The maps
# live on (the program and the daemon hold them), so XDP and the slow path keep answering the
# last good data; the daemon logs the removal once, pins the same maps again within its 1 s
# check, logs that once, and the re-pinned maps are the live ones: a change published after the
# repair is what xgslbctl (which reads the pins) and XDP both see. The instance lock is taken
# again on the new directory: a second daemon of the instance is still refused.
#   bash tests/integration/fault_pins_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

config=$WORK_DIR/xgslbd.yaml
removed='bpffs: .* pinned maps were removed from'
repinned='bpffs: the maps are pinned in .* again'

xdp_a() { xdp_answer_a "@$SERVER_V4" "$1"; }
slow_a() { answer_a "@$SERVER_V4" "$1" +tcp; }
# map_ids: the ids of the maps pinned now, "name=id" sorted.
map_ids() {
  local pin
  for pin in "$PIN_DIR"/*; do [[ -e $pin ]] && echo "$(basename "$pin")=$(bpftool -j map show pinned "$pin" | jq .id)"; done
}

write_config "$config"
start_daemon main "$config"
wait_ready main
assert_eq "XDP before the fault" 172.18.0.10 "$(xdp_a failover.cloud.example.com)"
assert_eq "slow path before the fault" 172.18.0.10 "$(slow_a failover.cloud.example.com)"
ids_before=$(map_ids)
[[ $(wc -l <<<"$ids_before") -ge 10 ]] || fail "expected the instance's maps pinned, got: $ids_before"
pass "serving 172.18.0.10 from XDP and the slow path; $(wc -l <<<"$ids_before") maps pinned in $PIN_DIR"

rm -rf "$PIN_DIR"
[[ ! -e $PIN_DIR ]] || fail "could not remove $PIN_DIR"
# Right after the removal, before the repair: both paths still answer from the same maps. (Over
# UDP it is XDP's answer; its counters cannot be read until the pins are back: xgslbctl uses them.)
assert_eq "UDP (XDP) with the pins gone" 172.18.0.10 "$(answer_a "@$SERVER_V4" failover.cloud.example.com)"
assert_eq "slow path with the pins gone" 172.18.0.10 "$(slow_a failover.cloud.example.com)"
wait_log main "$repinned" 1 5
assert_eq "the same maps pinned again" "$ids_before" "$(map_ids)"
sleep 2  # two more checks: nothing more may be logged
assert_eq "removal logged once" 1 "$(grep -cE "$removed" "$(daemon_log main)")"
assert_eq "repair logged once" 1 "$(grep -cE "$repinned" "$(daemon_log main)")"
assert_eq "no other error" 1 "$(grep -c 'level=error' "$(daemon_log main)")"
pass "pins removed: answers unchanged, logged once ($(grep -oE "$removed" "$(daemon_log main)" | head -1)...), the same map ids pinned again"

# Recovery is real: a change published now reaches XDP, the slow path, and the pins.
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.11]/'
kill -HUP "$(daemon_pid main)"
wait_log main 'reload: .* applied' 1 10
assert_eq "XDP after a change" 172.18.0.11 "$(xdp_a failover.cloud.example.com)"
assert_eq "slow path after a change" 172.18.0.11 "$(slow_a failover.cloud.example.com)"
records=$("$XGSLBCTL" --instance "$INSTANCE" -o json records failover.cloud.example.com)
[[ $records == *172.18.0.11* ]] || fail "xgslbctl (reading the re-pinned maps) does not show the change: $records"
pass "a change after the repair is served by XDP and the slow path, and seen through the pins"

# The lock was taken again on the new directory: a second daemon of the instance is refused.
STATUS=0
OUT=$(timeout 20 nsenter --net="/run/netns/$NS_SERVER" "$XGSLBD" --config "$config" 2>&1) || STATUS=$?
((STATUS != 0 && STATUS != 124)) || fail "a second daemon of the instance was not refused (status $STATUS): $OUT"
[[ $OUT == *"already served by another xgslbd"* ]] || fail "the second daemon was refused for another reason: $OUT"
daemon_alive main || fail "the first daemon exited"
assert_eq "XDP after the refused second start" 172.18.0.11 "$(xdp_a failover.cloud.example.com)"
pass "a second daemon of the instance is still refused after the re-pin"
