"""What-if jobs: `jobs.py` (the API's side: accept a scenario file, start the job, report it),
`work.py` (the worker's steps, as the state machine calls them: prepare, plan_day, aggregate,
fail) and `launch.py` (the one switch: Step Functions on AWS, a thread of the local stack)."""
