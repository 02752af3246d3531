-- SPDX-License-Identifier: ISC
-- wrk script for bench/: print the run's results as one JSON line, prefixed
-- "BENCH ", for bench/run and bench/smoke to read.  With STRICT=1 in the
-- environment it also counts every response that is not 2xx (wrk itself
-- counts only >= 400); that costs a Lua call per response, so only the
-- smoke run sets it.

local strict = os.getenv("STRICT") == "1"
local threads = {}

-- BODY=N: each request is a POST of N bytes, with a Content-Length, or
-- with CHUNKED=1 as 4 KiB chunks (wrk would add a Content-Length to a
-- body of its own: the request is written whole here instead).
local body_size = tonumber(os.getenv("BODY") or "")
if body_size then
	local data = string.rep("x", body_size)
	if os.getenv("CHUNKED") == "1" then
		local parts, i = {}, 1
		while i <= body_size do
			local n = math.min(4096, body_size - i + 1)
			table.insert(parts, string.format("%x\r\n", n) ..
			    data:sub(i, i + n - 1) .. "\r\n")
			i = i + n
		end
		local raw = "POST " .. wrk.path .. " HTTP/1.1\r\n" ..
		    "Host: " .. wrk.headers["Host"] .. "\r\n" ..
		    "Transfer-Encoding: chunked\r\n\r\n" ..
		    table.concat(parts) .. "0\r\n\r\n"
		function request()
			return raw
		end
	else
		wrk.method = "POST"
		wrk.body = data
	end
end

function setup(thread)
	table.insert(threads, thread)
end

if strict then
	non2xx = 0
	function response(status, headers, body)
		if status < 200 or status > 299 then
			non2xx = non2xx + 1
		end
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	local bad = 0
	if strict then
		for _, t in ipairs(threads) do
			bad = bad + (t:get("non2xx") or 0)
		end
	end
	io.write(string.format(
	    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
	    '"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
	    '"timeout": %d, "non2xx": %d, "p50_us": %d, "p90_us": %d, ' ..
	    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
	    summary.requests, summary.duration, summary.bytes,
	    e.connect, e.read, e.write, e.status, e.timeout,
	    bad, latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, latency.mean))
end
