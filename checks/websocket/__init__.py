"""WebSocket rules (WS001, WS002): an upgraded connection needs its headers passed on and an idle timer longer than its pings."""
