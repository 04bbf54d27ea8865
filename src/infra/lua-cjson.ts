/**
 * Real Redis gives every script a `cjson` library; the in-process Redis (ioredis-mock, whose Lua
 * runs on fengari) has none. This pure-Lua stand-in, prepended to each script there, covers what
 * scripts use: `cjson.decode` of objects, arrays, strings, numbers, booleans and null (decoded as
 * `cjson.null`, a sentinel, as in real cjson) and `cjson.encode` of tables and scalars.
 */
export const LUA_CJSON = `
local cjson = { null = setmetatable({}, { __tostring = function() return 'null' end }) }
do
  local escapes = { ['"'] = '"', ['\\\\'] = '\\\\', ['/'] = '/', b = '\\b', f = '\\f', n = '\\n', r = '\\r', t = '\\t' }
  local function skip(s, i) return string.find(s, '[^ \\t\\r\\n]', i) or #s + 1 end
  local value
  local function str(s, i)
    local out, j = {}, i + 1
    while true do
      local c = string.sub(s, j, j)
      if c == '' then error('cjson: unterminated string') end
      if c == '"' then return table.concat(out), j + 1 end
      if c == '\\\\' then
        local e = string.sub(s, j + 1, j + 1)
        if e == 'u' then
          local code = tonumber(string.sub(s, j + 2, j + 5), 16)
          if not code then error('cjson: bad unicode escape') end
          table.insert(out, utf8.char(code))
          j = j + 6
        else
          if not escapes[e] then error('cjson: bad escape') end
          table.insert(out, escapes[e])
          j = j + 2
        end
      else
        table.insert(out, c)
        j = j + 1
      end
    end
  end
  value = function(s, i)
    i = skip(s, i)
    local c = string.sub(s, i, i)
    if c == '{' then
      local obj = {}
      i = skip(s, i + 1)
      if string.sub(s, i, i) == '}' then return obj, i + 1 end
      while true do
        local key
        key, i = str(s, skip(s, i))
        i = skip(s, i)
        if string.sub(s, i, i) ~= ':' then error('cjson: expected colon') end
        obj[key], i = value(s, i + 1)
        i = skip(s, i)
        local d = string.sub(s, i, i)
        if d == '}' then return obj, i + 1 end
        if d ~= ',' then error('cjson: expected comma or brace') end
        i = i + 1
      end
    elseif c == '[' then
      local arr, n = {}, 0
      i = skip(s, i + 1)
      if string.sub(s, i, i) == ']' then return arr, i + 1 end
      while true do
        n = n + 1
        arr[n], i = value(s, i)
        i = skip(s, i)
        local d = string.sub(s, i, i)
        if d == ']' then return arr, i + 1 end
        if d ~= ',' then error('cjson: expected comma or bracket') end
        i = i + 1
      end
    elseif c == '"' then
      return str(s, i)
    elseif string.sub(s, i, i + 3) == 'true' then return true, i + 4
    elseif string.sub(s, i, i + 4) == 'false' then return false, i + 5
    elseif string.sub(s, i, i + 3) == 'null' then return cjson.null, i + 4
    else
      local num = string.match(s, '^-?%d+%.?%d*[eE]?[-+]?%d*', i)
      if not num or num == '' then error('cjson: unexpected character at ' .. i) end
      return tonumber(num), i + #num
    end
  end
  function cjson.decode(s)
    local result, i = value(s, 1)
    if skip(s, i) <= #s then error('cjson: trailing characters') end
    return result
  end
  local function encode(v)
    local t = type(v)
    if v == cjson.null or v == nil then return 'null' end
    if t == 'boolean' or t == 'number' then return tostring(v) end
    if t == 'string' then
      return '"' .. string.gsub(v, '[%c"\\\\]', function(ch)
        return string.format('\\\\u%04x', string.byte(ch))
      end) .. '"'
    end
    if t == 'table' then
      local out = {}
      if #v > 0 or next(v) == nil then
        for _, item in ipairs(v) do table.insert(out, encode(item)) end
        return '[' .. table.concat(out, ',') .. ']'
      end
      for key, item in pairs(v) do table.insert(out, encode(tostring(key)) .. ':' .. encode(item)) end
      return '{' .. table.concat(out, ',') .. '}'
    end
    error('cjson: cannot encode ' .. t)
  end
  cjson.encode = encode
end
`;
