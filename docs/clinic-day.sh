#!/usr/bin/env bash
# One patient through a whole clinic day, through the HTTP API only, with the demo logins of the `general` hospital.
#
#   dotnet run --project src/Carebase.Api      # in one terminal, from the repository root (demo mode)
#   bash docs/clinic-day.sh                     # in another, from the repository root
#
# Needs curl and jq. Every step prints what it did; the first refusal stops the script and prints the problem answer.
# CAREBASE_URL changes the server (default http://localhost:5080); CAREBASE_MAIL the folder where the demo writes its
# mail instead of sending it (default .carebase/mail), which is where the patient's portal invitation is read from.
set -euo pipefail

API="${CAREBASE_URL:-http://localhost:5080}/api/v1"
MAIL="${CAREBASE_MAIL:-.carebase/mail}"
PASSWORD='Carebase!Demo2026'

# call TOKEN METHOD PATH [JSON] [extra curl arguments…]: the answer's body; a 4xx/5xx answer stops the script.
call() {
  local token=$1 method=$2 path=$3 body=${4:-} out status
  shift 4 2>/dev/null || shift $#
  out=$(curl -sS -X "$method" "$API$path" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${body:+--data "$body"} "$@" -w '\n%{http_code}')
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "$status" -ge 400 ]; then echo "$method $path → $status: $out" >&2; exit 1; fi
  printf '%s' "$out"
}
login() { curl -sSf -X POST "$API/auth/login" -H 'Content-Type: application/json' --data "$(jq -n --arg e "$1" --arg p "${2:-$PASSWORD}" '{email:$e,password:$p}')" | jq -r .accessToken; }
step() { printf '\n== %s\n' "$*"; }

RECEPTION=$(login reception@general.demo); DOCTOR=$(login doctor@general.demo); LAB=$(login lab@general.demo)
ADMIN=$(login admin@general.demo); PHARMACIST=$(login pharmacist@general.demo)
DOCTOR_ID=$(call "$DOCTOR" GET /auth/me | jq -r .doctorId)
TODAY=$(TZ=$(call "$ADMIN" GET /tenant | jq -r .timezone) date +%F)   # the hospital's today

step "Reception registers the patient"
EMAIL="clinic-day-$(date +%s)@example.org"
PATIENT=$(call "$RECEPTION" POST /patients "$(jq -n --arg email "$EMAIL" '{firstName:"Amara", lastName:"Okafor",
  dateOfBirth:(("1970-01-01T00:00:00Z"|fromdate) + (now|floor) % 10000 * 86400 | todate[:10]),   # a new person on every run
  gender:"FEMALE", phone:"+1 555 0100 \(now|floor%10000)", email:$email, city:"Springfield", country:"US"}')")
PATIENT_ID=$(jq -r .id <<<"$PATIENT"); echo "$(jq -r '.patientCode + " " + .firstName + " " + .lastName' <<<"$PATIENT")"

step "Reception books the first free slot of today with doctor@general.demo and checks her in"
SLOT=$(call "$RECEPTION" GET "/doctors/$DOCTOR_ID/available-slots?from=$TODAY&to=$TODAY" | jq -r '.items[0].startsAt // empty')
if [ -z "$SLOT" ]; then
  # Nothing free left today (a weekend, or late in the day): the admin opens an extra session starting at the next quarter hour.
  START=$(date -u -d "@$(( ( $(date +%s) / 900 + 1 ) * 900 ))" +%Y-%m-%dT%H:%M:%SZ)
  call "$ADMIN" POST "/doctors/$DOCTOR_ID/extra-sessions" "$(jq -n --arg s "$START" '{startsAt:$s, endsAt:($s|fromdate+3600|todate), note:"Clinic day walk-through"}')" >/dev/null
  SLOT=$(call "$RECEPTION" GET "/doctors/$DOCTOR_ID/available-slots?from=$TODAY&to=$TODAY" | jq -r '.items[0].startsAt')
fi
APPOINTMENT_ID=$(call "$RECEPTION" POST /appointments "$(jq -n --arg p "$PATIENT_ID" --arg d "$DOCTOR_ID" --arg s "$SLOT" '{patientId:$p, doctorId:$d, startsAt:$s, reason:"Fever and sore throat"}')" | jq -r .id)
TOKEN=$(call "$RECEPTION" POST /queue/check-in "$(jq -n --arg a "$APPOINTMENT_ID" '{appointmentId:$a}')")
echo "appointment at $SLOT, token $(jq -r .number <<<"$TOKEN")"

step "The doctor calls patients from the queue until she comes up (others before her are seen too)"
# The patient being seen when we arrive is finished first (the doctor serves one patient at a time).
for id in $(call "$DOCTOR" GET "/queue?doctorId=$DOCTOR_ID" | jq -r '[.serving] | flatten | .[] | select(. != null) | .id'); do
  call "$DOCTOR" POST "/queue/$id/serve" '{}' >/dev/null
done
while :; do
  CALLED=$(call "$DOCTOR" POST /queue/next "$(jq -n --arg d "$DOCTOR_ID" '{doctorId:$d}')")
  [ "$(jq -r .patientId <<<"$CALLED")" = "$PATIENT_ID" ] && break
  call "$DOCTOR" POST "/queue/$(jq -r .id <<<"$CALLED")/serve" '{}' >/dev/null
done
echo "called token $(jq -r .number <<<"$CALLED")"

step "The doctor records the visit: vitals and a diagnosis in one request, then an allergy"
VISIT_ID=$(call "$DOCTOR" POST /visits "$(jq -n --arg t "$(jq -r .id <<<"$CALLED")" '{queueTokenId:$t, chiefComplaint:"Fever and sore throat for 3 days",
  vitals:{heightCm:165, weightKg:62.5, systolicMmHg:118, diastolicMmHg:76, pulsePerMin:96, temperatureC:38.4, spo2Percent:98},
  diagnoses:[{code:"J02.9", kind:"PRIMARY"}]}')" | jq -r .id)
call "$DOCTOR" POST "/patients/$PATIENT_ID/allergies" '{"substance":"Penicillin","category":"DRUG","reaction":"Hives","severity":"MODERATE"}' >/dev/null
echo "visit $VISIT_ID"

step "The doctor prescribes amoxicillin: the allergy check fires, and she issues it over the conflict with a reason"
AMOXICILLIN=$(call "$DOCTOR" GET '/stock-items?q=amoxicillin&kind=MEDICINE' | jq -r '[.items[] | select(.unit == "capsule")][0].id')
RX_ID=$(call "$DOCTOR" POST /prescriptions "$(jq -n --arg v "$VISIT_ID" --arg s "$AMOXICILLIN" '{visitId:$v,
  items:[{stockItemId:$s, doseAmount:1, frequency:"TID", durationDays:5, instructions:"After meals"}]}')" | jq -r .id)
curl -sS -X POST "$API/prescriptions/$RX_ID/issue" -H "Authorization: Bearer $DOCTOR" -H 'Content-Type: application/json' --data '{}' | jq -c '{status, code, detail}'
RX=$(call "$DOCTOR" POST "/prescriptions/$RX_ID/issue" '{"overrides":[{"itemIndex":0,"reason":"Childhood rash only; tolerated amoxicillin in 2024"}]}')
echo "issued $(jq -r .code <<<"$RX")"

step "The doctor orders a lab panel"
PANEL=$(call "$DOCTOR" GET '/lab-panels?q=complete%20blood' | jq -r '.items[0].id')
ORDER_ID=$(call "$DOCTOR" POST /lab-orders "$(jq -n --arg v "$VISIT_ID" --arg p "$PANEL" '{visitId:$v, panelIds:[$p], priority:"URGENT", clinicalNote:"Fever, ? bacterial"}')" | jq -r .id)
call "$DOCTOR" POST "/visits/$VISIT_ID/complete" '{}' >/dev/null
echo "lab order $ORDER_ID; visit completed"

step "The lab collects, enters the results, and a second person verifies them"
ORDER=$(call "$LAB" POST "/lab-orders/$ORDER_ID/collect" "$(jq -n --arg s "SPC-$(date +%s)" '{specimenId:$s}')")
# A raised white cell count (flagged HIGH by the server), everything else normal.
VALUES='{"WBC":13.2,"RBC":4.6,"HGB":13.1,"HCT":39.5,"MCV":88,"MCH":29.5,"MCHC":33.4,"PLT":245}'
RESULTS=$(jq -c --argjson v "$VALUES" '{items: [.items[] | {itemId:.id, value:($v[.testCode] // 1)}]}' <<<"$ORDER")
call "$LAB" POST "/lab-orders/$ORDER_ID/results" "$RESULTS" | jq -c '[.items[] | {test:.testCode, flags:.results[0].flags}]'
call "$DOCTOR" POST "/lab-orders/$ORDER_ID/verify" '{}' | jq -r '"order " + .status'

step "The pharmacist dispenses the prescription (first expiry first out)"
call "$PHARMACIST" POST /dispensings "$(jq -n --arg r "$RX_ID" '{prescriptionId:$r}')" -H "Idempotency-Key: $(date +%s%N)" \
  | jq -c '[.lines[] | {batchNumber, quantity}]'

step "Reception invoices the visit and takes a partial card payment, then the rest in cash"
INVOICE=$(call "$RECEPTION" POST /invoices "$(jq -n --arg v "$VISIT_ID" '{visitId:$v}')")
INVOICE_ID=$(jq -r .id <<<"$INVOICE")
INVOICE=$(call "$RECEPTION" POST "/invoices/$INVOICE_ID/issue" '{}')
TOTAL=$(jq -r .total <<<"$INVOICE"); echo "$(jq -r .number <<<"$INVOICE"): $(jq -r '[.lines[].description] | join(", ")' <<<"$INVOICE"); total $TOTAL"
CARD=$(jq -n --argjson t "$TOTAL" '($t/2*100|floor)/100')
call "$RECEPTION" POST "/invoices/$INVOICE_ID/payments" "$(jq -n --argjson a "$CARD" '{method:"CARD", amount:$a, reference:"AUTH-4411"}')" -H "Idempotency-Key: card-$INVOICE_ID" >/dev/null
REST=$(call "$RECEPTION" GET "/invoices/$INVOICE_ID" | jq -r .balance)
call "$RECEPTION" POST "/invoices/$INVOICE_ID/payments" "$(jq -n --argjson a "$REST" '{method:"CASH", amount:$a}')" -H "Idempotency-Key: cash-$INVOICE_ID" >/dev/null
call "$RECEPTION" GET "/invoices/$INVOICE_ID" | jq -r '"invoice " + .status + ", balance " + (.balance|tostring)'

step "The patient is invited to the portal, sets a password from the emailed token, and sees her day"
call "$RECEPTION" POST "/patients/$PATIENT_ID/portal-invite" '{}' >/dev/null
for _ in $(seq 1 50); do MAILFILE=$(grep -l "To: $EMAIL" "$MAIL"/*.eml 2>/dev/null | head -n 1 || true); [ -n "$MAILFILE" ] && break; sleep 0.2; done
[ -n "${MAILFILE:-}" ] || { echo "no invitation mail for $EMAIL in $MAIL" >&2; exit 1; }
MAILTOKEN=$(sed -n 's/^Token: //p' "$MAILFILE" | tr -d '\r' | head -n 1)
curl -sSf -X POST "$API/auth/reset-password" -H 'Content-Type: application/json' \
  --data "$(jq -n --arg e "$EMAIL" --arg t "$MAILTOKEN" '{email:$e, token:$t, newPassword:"Amara-Portal-Pass-26"}')"
ME=$(login "$EMAIL" Amara-Portal-Pass-26)
call "$ME" GET "/visits?patientId=$PATIENT_ID" | jq -r '"visits: " + ([.items[].status] | join(", "))'
call "$ME" GET "/prescriptions?patientId=$PATIENT_ID" | jq -r '"prescriptions: " + ([.items[] | .code + " " + .status] | join(", "))'
call "$ME" GET "/lab-orders?patientId=$PATIENT_ID" | jq -r '"lab orders: " + ([.items[].status] | join(", "))'
call "$ME" GET "/invoices?patientId=$PATIENT_ID" | jq -r '"invoices: " + ([.items[] | .number + " " + .status] | join(", "))'

step "The daily summary shows the day, and the audit chain verifies"
call "$ADMIN" GET "/reports/daily-summary?date=$TODAY" | jq -c .
call "$ADMIN" GET /reports/audit-logs/verify | jq -c .
