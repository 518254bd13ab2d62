--[[
job_submit.lua -- Vessel's GPU routing on the controller, for sites that want every job (not
only those sent with `vessel submit`) to land where it fits best.

Install: copy beside slurm.conf, set `JobSubmitPlugins=lua` in slurm.conf, restart slurmctld.

For a job that asks for GPUs and names no partition, this sets the partition list to every
partition (of those the user may use) whose nodes can hold the job's GPUs per node, of the
requested type if one is named, ordered so that the fewest GPUs stay idle: a 1-GPU job lists 2-GPU partitions before
4- and 8-GPU ones. Slurm then starts the job in whichever partition of that list can start it
first. Unlike `vessel submit`, a job_submit plugin cannot ask the scheduler for start times or
read the image's labels; `vessel submit --dry-run` shows the full decision.

Requests are read from --gres=gpu[:TYPE]:N, --gpus-per-node=[TYPE:]N and --gpus=[TYPE:]N
(taken as per node for one-node jobs).
--]]

-- "gres:gpu:a100:2" / "gres/gpu:a100=2" / "gpu:2" -> type (or nil), count
local function gpu_request(tres)
	if tres == nil then return nil end
	for item in string.gmatch(tres, "[^,;]+") do
		local s = item:gsub("^gres[:/]", "")
		local kind, a, b = s:match("^(gpu)[:=]?([^:=]*)[:=]?(%d*)$")
		if kind then
			if b ~= "" then return a, tonumber(b) end
			if tonumber(a) then return nil, tonumber(a) end
			return a, 1
		end
	end
	return nil
end

-- The site's GPU partitions: the GPU type and count of their nodes. job_submit plugins do not
-- see node GRES, so the site states it here (`sinfo -o "%P %G"` lists it).
local GPU_PARTITIONS = {
	["gpu-a100"] = { type = "a100", per_node = 4 },
	["gpu-v100"] = { type = "v100", per_node = 2 },
}

function slurm_job_submit(job_desc, part_list, submit_uid)
	if job_desc.partition ~= nil then return slurm.SUCCESS end
	local gtype, count = gpu_request(job_desc.tres_per_node)
	if count == nil and (job_desc.min_nodes == nil or job_desc.min_nodes <= 1) then
		gtype, count = gpu_request(job_desc.tres_per_job)
	end
	if count == nil or count == 0 then return slurm.SUCCESS end

	local candidates = {}
	for name, part in pairs(part_list) do
		local g = GPU_PARTITIONS[name]
		if g and (gtype == nil or gtype == g.type) and g.per_node >= count then
			table.insert(candidates, { name = name, idle = g.per_node - count, tier = part.priority_tier or 0 })
		end
	end
	if #candidates == 0 then
		slurm.log_user("vessel routing: no partition has %d %s GPUs per node", count, gtype or "")
		return slurm.ERROR
	end
	table.sort(candidates, function(a, b)
		if a.idle ~= b.idle then return a.idle < b.idle end
		if a.tier ~= b.tier then return a.tier > b.tier end
		return a.name < b.name
	end)
	local names = {}
	for _, c in ipairs(candidates) do table.insert(names, c.name) end
	job_desc.partition = table.concat(names, ",")
	slurm.log_info("vessel routing: job from uid %u to %s", submit_uid, job_desc.partition)
	return slurm.SUCCESS
end

function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
	return slurm.SUCCESS
end

return slurm.SUCCESS
