-- fish.lua: a Wireshark/tshark dissector for FiSh, the Xinu file-sharing
-- protocol (ethertype 0x3250), classic frames and this system's
-- extension (docs/fish.md; the C definitions are in include/net/fish.h).
--
--   tshark -X lua_script:tools/fish.lua -r capture.pcap -Y fish
--   wireshark -X lua_script:tools/fish.lua
--
-- Fields: fish.opcode (number), fish.opname, fish.node, fish.file,
-- fish.cap (capability marker), fish.reqid, fish.len, fish.start,
-- fish.total, fish.count, fish.status, fish.size, fish.filecrc,
-- fish.first, fish.bitmap, fish.chunk, fish.index, fish.datalen,
-- fish.crc, fish.crc.status ("good" or "bad").

local fish = Proto("fish", "FiSh (Xinu File Sharing)")

local opnames = {
  [0x01] = "ANNOUNCE", [0x02] = "PING", [0x03] = "DIRASK", [0x04] = "DIRLIST",
  [0x05] = "GETFILE", [0x06] = "HAVEFILE", [0x07] = "NOFILE",
  [0x11] = "XDIRASK", [0x12] = "XDIRLIST", [0x13] = "XGETFILE", [0x14] = "XINFO",
  [0x15] = "XREAD", [0x16] = "XDATA",
}

local f = fish.fields
f.opcode   = ProtoField.uint8("fish.opcode", "Opcode", base.HEX, opnames)
f.opname   = ProtoField.string("fish.opname", "Operation")
f.node     = ProtoField.string("fish.node", "Node name")
f.file     = ProtoField.string("fish.file", "File name")
f.cap      = ProtoField.string("fish.cap", "Capability marker")
f.version  = ProtoField.uint8("fish.version", "Version")
f.len      = ProtoField.uint16("fish.len", "Length")
f.reqid    = ProtoField.uint32("fish.reqid", "Request id")
f.start    = ProtoField.uint32("fish.start", "First entry")
f.total    = ProtoField.uint32("fish.total", "Entries in all")
f.count    = ProtoField.uint16("fish.count", "Entries here")
f.status   = ProtoField.uint8("fish.status", "Status", base.DEC, { [0] = "ok", [1] = "no such file" })
f.size     = ProtoField.uint64("fish.size", "File size")
f.filecrc  = ProtoField.uint32("fish.filecrc", "File CRC-32", base.HEX)
f.first    = ProtoField.uint64("fish.first", "First chunk")
f.bitmap   = ProtoField.uint64("fish.bitmap", "Chunks wanted", base.HEX)
f.chunk    = ProtoField.uint16("fish.chunk", "Chunk size")
f.index    = ProtoField.uint64("fish.index", "Chunk")
f.datalen  = ProtoField.uint16("fish.datalen", "Data length")
f.data     = ProtoField.bytes("fish.data", "Data")
f.entry    = ProtoField.string("fish.entry", "Entry")
f.crc      = ProtoField.uint32("fish.crc", "CRC-32", base.HEX)
f.crcstat  = ProtoField.string("fish.crc.status", "CRC status")
f.padding  = ProtoField.bytes("fish.padding", "Padding")

-- CRC-32 (IEEE, reflected), the frames' per-frame checksum. Wireshark's
-- Lua is 5.2: bit operations come from bit32.
local band, bxor, rshift, bnot = bit32.band, bit32.bxor, bit32.rshift, bit32.bnot
local crctab = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if band(c, 1) == 1 then c = bxor(rshift(c, 1), 0xEDB88320) else c = rshift(c, 1) end
  end
  crctab[i] = c
end
local function crc32(tvb, off, n)
  local c = 0xFFFFFFFF
  local bytes = tvb:bytes(off, n)
  for i = 0, n - 1 do
    c = bxor(crctab[band(bxor(c, bytes:get_index(i)), 0xFF)], rshift(c, 8))
  end
  return bnot(c)
end

-- A NUL-terminated string inside a fixed field.
local function cstr(tvb, off, width)
  if off + width > tvb:len() then width = tvb:len() - off end
  if width <= 0 then return "" end
  return tvb(off, width):stringz()
end

local function classic(tvb, tree, op, pinfo)
  local n = tvb:len()
  local info = opnames[op]
  if op == 0x01 and n >= 26 then
    local name = cstr(tvb, 1, 25)
    tree:add(f.node, tvb(1, 25), name)
    info = info .. " " .. name
    if n >= 32 and tvb(26, 5):string() == "FiShX" then
      tree:add(f.cap, tvb(26, 6), "extended, version " .. tvb(31, 1):uint())
      info = info .. " [ext]"
    end
  elseif (op == 0x05 or op == 0x06 or op == 0x07) and n >= 8 then
    local name = cstr(tvb, 1, 7)
    tree:add(f.file, tvb(1, 7), name)
    info = info .. " " .. name
    if op == 0x06 and n >= 264 then
      tree:add(f.data, tvb(8, 256))
    end
  elseif op == 0x04 and n >= 64 then
    local names = {}
    for i = 0, 8 do
      local name = cstr(tvb, 1 + i * 7, 7)
      if name ~= "" then
        tree:add(f.file, tvb(1 + i * 7, 7), name)
        names[#names + 1] = name
      end
    end
    info = info .. " " .. table.concat(names, " ")
  elseif op == 0x02 or op == 0x03 then
    if n > 1 then tree:add(f.padding, tvb(1, n - 1)) end
  end
  return info
end

local function xname(tvb, tree, off, limit)
  if off >= limit then return "", off end
  local len = tvb(off, 1):uint()
  if off + 1 + len > limit then return "", limit end
  local name = len > 0 and tvb(off + 1, len):string() or ""
  tree:add(f.file, tvb(off, 1 + len), name)
  return name, off + 1 + len
end

local function extended(tvb, tree, op)
  local n = tvb:len()
  local info = opnames[op]
  if n < 12 then
    tree:add_expert_info(PI_MALFORMED, PI_ERROR, "shorter than an extended header")
    return info .. " [short]"
  end
  tree:add(f.version, tvb(1, 1))
  local len = tvb(2, 2):uint()
  tree:add(f.len, tvb(2, 2))
  tree:add(f.reqid, tvb(4, 4))
  info = info .. " id=" .. tvb(4, 4):uint()
  if len < 12 or len > n then
    tree:add_expert_info(PI_MALFORMED, PI_ERROR, "bad length")
    return info .. " [bad length]"
  end
  local want = tvb(len - 4, 4):uint()
  tree:add(f.crc, tvb(len - 4, 4))
  if crc32(tvb, 0, len - 4) == want then
    tree:add(f.crcstat, "good")
  else
    tree:add(f.crcstat, "bad")
    tree:add_expert_info(PI_CHECKSUM, PI_WARN, "CRC-32 mismatch")
    info = info .. " [bad CRC]"
  end
  local b, lim = 8, len - 4
  if op == 0x11 and lim - b >= 4 then
    tree:add(f.start, tvb(b, 4))
    info = info .. " from " .. tvb(b, 4):uint()
  elseif op == 0x12 and lim - b >= 10 then
    tree:add(f.start, tvb(b, 4))
    tree:add(f.total, tvb(b + 4, 4))
    tree:add(f.count, tvb(b + 8, 2))
    info = info .. " " .. tvb(b + 8, 2):uint() .. " of " .. tvb(b + 4, 4):uint()
    local o = b + 10
    while o < lim do
      local l = tvb(o, 1):uint()
      if o + 1 + l + 4 > lim then break end
      tree:add(f.entry, tvb(o, 1 + l + 4), tvb(o + 1, l):string() .. " " .. tvb(o + 1 + l, 4):uint())
      tree:add(f.file, tvb(o + 1, l), tvb(o + 1, l):string())
      o = o + 1 + l + 4
    end
  elseif op == 0x13 then
    local name = xname(tvb, tree, b, lim)
    info = info .. " " .. name
  elseif op == 0x14 and lim - b >= 14 then
    tree:add(f.status, tvb(b, 1))
    tree:add(f.size, tvb(b + 1, 8))
    tree:add(f.filecrc, tvb(b + 9, 4))
    local name = xname(tvb, tree, b + 13, lim)
    info = info .. " " .. name .. (tvb(b, 1):uint() == 0 and (" " .. tvb(b + 1, 8):uint64() .. " bytes")
                                   or " no such file")
  elseif op == 0x15 and lim - b >= 19 then
    tree:add(f.first, tvb(b, 8))
    tree:add(f.bitmap, tvb(b + 8, 8))
    tree:add(f.chunk, tvb(b + 16, 2))
    local name = xname(tvb, tree, b + 18, lim)
    info = info .. " " .. name .. " from chunk " .. tvb(b, 8):uint64()
  elseif op == 0x16 and lim - b >= 10 then
    tree:add(f.index, tvb(b, 8))
    tree:add(f.datalen, tvb(b + 8, 2))
    local dl = tvb(b + 8, 2):uint()
    if dl > 0 and b + 10 + dl <= lim then tree:add(f.data, tvb(b + 10, dl)) end
    info = info .. " chunk " .. tvb(b, 8):uint64() .. " (" .. dl .. " bytes)"
  end
  return info
end

function fish.dissector(tvb, pinfo, root)
  if tvb:len() < 1 then return 0 end
  pinfo.cols.protocol = "FiSh"
  local tree = root:add(fish, tvb())
  local op = tvb(0, 1):uint()
  tree:add(f.opcode, tvb(0, 1))
  local name = opnames[op]
  if name == nil then
    tree:add(f.opname, "unknown")
    pinfo.cols.info = string.format("unknown opcode 0x%02x", op)
    return tvb:len()
  end
  tree:add(f.opname, name)
  local info
  if op >= 0x11 then
    info = extended(tvb, tree, op)
  else
    info = classic(tvb, tree, op, pinfo)
  end
  pinfo.cols.info = info
  return tvb:len()
end

DissectorTable.get("ethertype"):add(0x3250, fish)
