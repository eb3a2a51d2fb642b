"""What-if jobs' data: the job record in DynamoDB (`job_records.py`), the job's files in S3
(`storage.py`: the bucket layout) and starting the Step Functions execution that runs a job
(`executions.py`)."""
