-- bench/wrk.lua: the requests of `make bench` (scripts/bench), for wrk.
--
-- Environment:
--   BENCH_MODE   get (GET /customers/{id}), list (GET /customers?business_id=
--                &query=), patch (PATCH /customers/{id}, a preferences object)
--   BENCH_IDS    file of "customer_id business_id" lines (the seeded rows)
--   BENCH_TOKEN  the bearer token sent with every request
--
-- Each request picks a random seeded customer. done() prints one line that
-- scripts/bench parses: "BENCH key=value ..." (latencies in microseconds).

local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN") or ""
local ids_file = os.getenv("BENCH_IDS") or "ids.txt"

-- Search terms: last names and first names of the seed (bench/seed.sql),
-- lower case (the search is case-insensitive); about 20 of a business's
-- 1 000 customers match a last name.
local terms = { "smith", "garcia", "nguyen", "popescu", "taylor", "ionescu",
	"walker", "lopez", "martin", "wright", "sarah", "andrei", "melissa",
	"stoica", "harris", "young" }

local ids, businesses = {}, {}
local headers, json_headers = {}, {}
local threads = 0
local sequence = 0

function setup(thread)
	threads = threads + 1
	thread:set("thread_no", threads)
end

function init(args)
	math.randomseed(os.time() * 1000 + (thread_no or 0))
	for line in io.lines(ids_file) do
		local id, business = line:match("^(%S+)%s+(%S+)")
		if id then
			ids[#ids + 1] = id
			businesses[#businesses + 1] = business
		end
	end
	if #ids == 0 then
		error("no ids in " .. ids_file)
	end
	headers["Authorization"] = "Bearer " .. token
	json_headers["Authorization"] = "Bearer " .. token
	json_headers["Content-Type"] = "application/json"
end

function request()
	local i = math.random(#ids)
	if mode == "list" then
		return wrk.format("GET", "/customers?business_id=" .. businesses[i] ..
			"&query=" .. terms[math.random(#terms)], headers)
	elseif mode == "patch" then
		sequence = sequence + 1
		local body = string.format(
			'{"preferences":{"newsletter":%s,"language":"en","bench":%d}}',
			sequence % 2 == 0 and "true" or "false", sequence)
		return wrk.format("PATCH", "/customers/" .. ids[i], json_headers, body)
	end
	return wrk.format("GET", "/customers/" .. ids[i], headers)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%d duration_us=%d bytes=%d " ..
		"status_errors=%d connect_errors=%d read_errors=%d " ..
		"write_errors=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d " ..
		"max_us=%d\n",
		summary.requests, summary.duration, summary.bytes, e.status,
		e.connect, e.read, e.write, e.timeout, latency:percentile(50),
		latency:percentile(90), latency:percentile(99), latency.max))
end
