global using System.Net;
global using System.Net.Http.Json;
global using Carebase.Tests.Infrastructure;
global using Microsoft.Extensions.Logging;
