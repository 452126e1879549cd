-- bench/wrk.lua: the requests of `make bench` (scripts/bench), for wrk.
--
-- Environment:
--   BENCH_MODE    get (GET /customers/{id}), search (GET /customers?query=
--                 &limit=), patch (PATCH /customers/{id}, a new full_name),
--                 create (POST /customers), tags (POST /customers/{id}/tags,
--                 one new label)
--   BENCH_IDS     file of "customer_id business_id full_name" lines (the
--                 seeded rows; full_name as seeded)
--   BENCH_TOKEN   the bearer token sent with every request (a superadmin's)
--   BENCH_TERMS   search: the terms, comma-separated; one at random each time
--   BENCH_ADMINS  search: a file of "business_id token" lines: each request
--                 is an admin's of one of these businesses, scoped to it
--                 (business_id=); unset: the superadmin over all businesses
--   BENCH_LIMIT   search: the page size (limit=)
--
-- Each request picks a random seeded customer (or admin). A PATCH keeps
-- the seeded name and adds a suffix that is new each time, so that every
-- PATCH changes the row and the surnames the searches count on stay. A
-- created customer has a random user_id. done() prints one line that
-- scripts/bench parses: "BENCH key=value ..." (latencies in microseconds).

local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN") or ""
local ids_file = os.getenv("BENCH_IDS") or "ids.txt"
local admins_file = os.getenv("BENCH_ADMINS") or ""
local terms_list = os.getenv("BENCH_TERMS") or "smith"
local limit = os.getenv("BENCH_LIMIT") or "20"

local ids, businesses, names = {}, {}, {}
local admins = {}
local terms = {}
local headers, json_headers = {}, {}
local threads = 0
local sequence = 0
local run_tag = ""

function setup(thread)
	threads = threads + 1
	thread:set("thread_no", threads)
end

local function hex(n)
	local t = {}
	for i = 1, n do
		t[i] = string.format("%x", math.random(0, 15))
	end
	return table.concat(t)
end

local function uuid()
	local h = hex(32)
	return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) ..
		"-a" .. h:sub(18, 20) .. "-" .. h:sub(21, 32)
end

function init(args)
	math.randomseed(os.time() * 1000 + (thread_no or 0))
	run_tag = hex(6) .. (thread_no or 0)
	for line in io.lines(ids_file) do
		local id, business, name = line:match("^(%S+)%s+(%S+)%s*(.*)$")
		if id then
			ids[#ids + 1] = id
			businesses[#businesses + 1] = business
			names[#names + 1] = name
		end
	end
	if #ids == 0 then
		error("no ids in " .. ids_file)
	end
	if admins_file ~= "" then
		for line in io.lines(admins_file) do
			local business, t = line:match("^(%S+)%s+(%S+)")
			if business then
				admins[#admins + 1] = { business,
					{ Authorization = "Bearer " .. t } }
			end
		end
	end
	for term in terms_list:gmatch("[^,]+") do
		terms[#terms + 1] = term:gsub(" ", "%%20")
	end
	headers["Authorization"] = "Bearer " .. token
	json_headers["Authorization"] = "Bearer " .. token
	json_headers["Content-Type"] = "application/json"
end

local function search()
	local q = "&query=" .. terms[math.random(#terms)] .. "&limit=" .. limit
	if #admins > 0 then
		local a = admins[math.random(#admins)]
		return wrk.format("GET", "/customers?business_id=" .. a[1] .. q,
			a[2])
	end
	return wrk.format("GET", "/customers?" .. q:sub(2), headers)
end

function request()
	local i = math.random(#ids)
	if mode == "search" then
		return search()
	end
	sequence = sequence + 1
	if mode == "patch" then
		local body = string.format('{"full_name":"%s #%s-%d"}', names[i],
			run_tag, sequence)
		return wrk.format("PATCH", "/customers/" .. ids[i], json_headers, body)
	elseif mode == "create" then
		local body = string.format('{"user_id":"%s","business_id":"%s",' ..
			'"full_name":"Bench Created %s-%d","email":' ..
			'"created.%s.%d@bench-post.org"}', uuid(), businesses[i],
			run_tag, sequence, run_tag, sequence)
		return wrk.format("POST", "/customers", json_headers, body)
	elseif mode == "tags" then
		local body = string.format('{"labels":["bench %s-%d"]}', run_tag,
			sequence)
		return wrk.format("POST", "/customers/" .. ids[i] .. "/tags",
			json_headers, body)
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
