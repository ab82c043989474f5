-- A patient stands in a doctor's queue at most once a day at a time: one WAITING or SERVING token per
-- (doctor, day, patient), so a double click on walk-in, or a walk-in beside the patient's own check-in,
-- cannot put the same person in line twice (also under concurrent requests).
CREATE UNIQUE INDEX queue_tokens_one_open_per_patient ON queue_tokens (doctor_id, local_date, patient_id)
    WHERE status IN ('WAITING','SERVING');
