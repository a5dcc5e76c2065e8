-- wrk script: each request carries the next bearer token from $TOKENS_FILE (one per line), so
-- the load comes from as many different users as the file has tokens. $LOAD_PATH is the path.
-- Like a browser, it accepts compressed answers: the server decides what is worth compressing.
local tokens = {}
local path = os.getenv("LOAD_PATH") or "/api/me"

for line in io.lines(os.getenv("TOKENS_FILE")) do
  if #line > 0 then
    tokens[#tokens + 1] = line
  end
end

local next_token = 0

request = function()
  next_token = next_token % #tokens + 1
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. tokens[next_token],
    ["Accept-Encoding"] = "gzip, deflate, br, zstd",
  })
end

-- Any answer but 200 is counted and reported: a load test that silently measures 401s
-- measures nothing.
local failures = 0
response = function(status)
  if status ~= 200 then
    failures = failures + 1
  end
end

done = function()
  io.write(string.format("non-200 answers: %d\n", failures))
end
