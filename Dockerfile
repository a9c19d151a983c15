# The portal's image: web (gunicorn), worker and beat all run it (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Not root: the app writes only its static files and beat's schedule.
RUN useradd --create-home --uid 1000 qipp && mkdir -p /var/lib/qipp /app/staticfiles \
    && chown qipp /var/lib/qipp /app/staticfiles
USER qipp
EXPOSE 8000
